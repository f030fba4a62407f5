"""The two passes over a stored file, on real files in a temporary storage directory."""

from __future__ import annotations

import csv
import io

import orjson
import pytest

from import_worker.pipeline import Cancelled, Progress, Spool, batches, validate
from pikit.csvformat import CsvFormatError
from pikit.storage import LocalStorage


def store(tmp_path, content: bytes) -> LocalStorage:
    storage = LocalStorage(tmp_path / "storage")
    with storage.open_write("uploads/f") as out:
        out.write(content)
    return storage


def run(tmp_path, content: bytes, batch_size: int = 2):
    storage = store(tmp_path, content)
    spool = Spool(tmp_path / "spool")
    result = validate(storage, "uploads/f", "errors/f.csv", spool, Progress(), lambda: False)
    rows = [orjson.loads(b) for b in batches(result, batch_size, Progress(), lambda: False)]
    spool.close()
    return result, rows, storage


def test_the_last_valid_row_of_each_sku_is_sent_in_file_order_in_batches(tmp_path):
    content = (b"sku,name,price\r\nA-1,First,1\r\nB-1,Bee,2\r\na-1,Second,3\r\nC-1,,4\r\nc-1,Sea,5\r\n"
               b"B-1,Bee again,x\r\n")
    result, sent, storage = run(tmp_path, content)
    assert (result.rows_total, result.valid, result.invalid, result.duplicates) == (6, 4, 2, 1)
    assert sent == [[[3, "B-1", "Bee", None, "2", None], [4, "a-1", "Second", None, "3", None]],
                    [[6, "c-1", "Sea", None, "5", None]]]
    with storage.open_read("errors/f.csv") as report:
        lines = list(csv.reader(io.TextIOWrapper(report, encoding="utf-8", newline="")))
    assert lines == [["row", "column", "value", "reason"], ["5", "name", "", lines[1][3]],
                     ["7", "price", "x", lines[2][3]]]


def test_values_with_line_breaks_quotes_and_separators_reach_the_batches_unchanged(tmp_path):
    description = 'Line one\nline "two"\r\nthree, [x]\u2028 \\ end'
    content = ('sku,name,description\r\nQ-1,"Quoted, ""name""","' + description.replace('"', '""') + '"\r\n'
               'Q-2,Plain,\r\n').encode()
    _, sent, _ = run(tmp_path, content)
    assert sent == [[[2, "Q-1", 'Quoted, "name"', description.strip(), None, None], [3, "Q-2", "Plain", None, None, None]]]


def test_a_file_that_is_not_utf8_after_all_is_read_again_as_windows_1252(tmp_path):
    content = b"sku,name\r\n" + b"".join(b"S-%d,plain\r\n" % i for i in range(20_000)) + b"Z-1,Caf\xe9\r\n"
    result, sent, _ = run(tmp_path, content, batch_size=50_000)
    assert result.layout.encoding == "cp1252" and result.valid == 20_001
    assert sent[0][-1] == [20_002, "Z-1", "Caf\u00e9", None, None, None]
    assert len(sent[0]) == 20_001  # the spool was started again, not appended to


def test_an_unclosed_quote_fails_the_file_with_its_reason(tmp_path):
    storage = store(tmp_path, b'sku,name\r\nA,"never closed\r\n' + b"x" * (11 * 1024 * 1024))
    with pytest.raises(CsvFormatError) as error:
        validate(storage, "uploads/f", "errors/f.csv", Spool(tmp_path / "s"), Progress(), lambda: False)
    assert error.value.code == "malformed_csv"


def test_cancellation_stops_pass_two_between_batches(tmp_path):
    storage = store(tmp_path, b"sku,name\r\n" + b"".join(b"S-%d,n\r\n" % i for i in range(10)))
    result = validate(storage, "uploads/f", "errors/f.csv", Spool(tmp_path / "s"), Progress(), lambda: False)
    produced = []
    with pytest.raises(Cancelled):
        for batch in batches(result, 3, Progress(), lambda: bool(produced)):
            produced.append(batch)
    assert len(produced) == 1
