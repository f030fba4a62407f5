"""The two passes over a stored file. Synchronous: the worker runs them in a thread.

Pass 1 parses and validates every row, writes the error report, remembers the last
valid occurrence of each SKU, and spools every valid row, already serialised as JSON, to
a local file. Pass 2 reads the spool and yields, in file order, the rows that survive,
in batches of pre-serialised JSON: the file is parsed once. Both passes are
deterministic, so a job redelivered after a crash produces the same batches and the
catalog's markers make the replay a no-op.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from import_worker.domain import LastOccurrence, ProductRow, RowError, parse_row
from pikit.csvformat import CsvFormatError, CsvLayout, iter_records, open_source, read_sample, sniff
from pikit.storage import LocalStorage

SNIFF_BYTES = 64 * 1024
PROGRESS_EVERY = 2000  # rows between progress updates and cancellation checks
ERROR_VALUE_LIMIT = 1000
ERROR_COLUMNS = ("row", "column", "value", "reason")


class Cancelled(Exception):
    pass


@dataclass
class Progress:
    """Written by the pass thread, read by the reporter task; plain attribute writes are atomic."""

    stage: str = "parsing"
    rows_read: int = 0
    bytes_read: int = 0
    bytes_total: int = 0
    batches_sent: int = 0
    batches_total: int | None = None


class Spool:
    """Valid rows in file order in a local file, one JSON array per line (JSON text holds no
    raw newline), its first element the row number: one ``write`` of orjson's output per row
    (a length-prefixed record cost pass 1 ~0.1 s more per 500k rows)."""

    def __init__(self, path: Path):
        self.path = path
        self._file = open(path, "w+b")
        self._write = self._file.write

    def add(self, row: ProductRow) -> None:
        self._write(orjson.dumps((row.row_no, row.sku, row.name, row.description, row.price, row.active),
                                 option=orjson.OPT_APPEND_NEWLINE))

    def clear(self) -> None:
        self._file.seek(0)
        self._file.truncate()

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        """``(row number, JSON array)`` in file order."""
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            yield int(line[1:line.index(b",")]), line[:-1]

    def close(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


@dataclass
class Validation:
    layout: CsvLayout
    spool: Spool
    rows_total: int = 0
    valid: int = 0
    invalid: int = 0
    last: LastOccurrence = field(default_factory=LastOccurrence)
    duplicates: int = 0      # valid rows superseded by a later row of the same SKU
    rows_to_import: int = 0  # distinct SKUs among the valid rows

    def finish(self) -> None:
        self.duplicates, self.rows_to_import = self.last.duplicates, self.last.unique

    def survivors(self) -> array:
        """Row numbers that will be imported, ascending (frees the per-SKU table)."""
        rows = array("q", self.last.row_numbers())
        self.last = LastOccurrence()
        return rows


def read_layout(storage: LocalStorage, key: str) -> CsvLayout:
    with storage.open_read(key) as raw:
        return sniff(read_sample(open_source(raw), SNIFF_BYTES))


def _records(storage: LocalStorage, key: str, layout: CsvLayout, progress: Progress,
             cancelled: Callable[[], bool]) -> Iterator[tuple[int, list[str]]]:
    count = 0
    with storage.open_read(key) as raw:
        try:
            for count, record in enumerate(iter_records(open_source(raw), layout), 1):
                if count % PROGRESS_EVERY == 0:
                    progress.rows_read = count
                    progress.bytes_read = raw.tell()
                    if cancelled():
                        raise Cancelled()
                yield record
        except csv.Error as exc:
            raise CsvFormatError("malformed_csv", f"The file is not valid CSV after data record {count} "
                                                  f"(often a quote that is never closed): {exc}.") from exc
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise CsvFormatError("not_text", f"The compressed file is damaged after data record {count}: "
                                             f"{exc}.") from exc
        progress.bytes_read = raw.tell()


def validate(storage: LocalStorage, key: str, error_key: str, spool: Spool, progress: Progress,
             cancelled: Callable[[], bool]) -> Validation:
    """Pass 1. Restarts as Windows-1252 when a file that began as UTF-8 turns out not to be."""
    layout = read_layout(storage, key)
    progress.stage = "validating"
    try:
        return _validate(storage, key, error_key, layout, spool, progress, cancelled)
    except UnicodeDecodeError:
        if layout.encoding not in ("utf-8", "utf-8-sig"):
            raise CsvFormatError("unreadable_encoding", f"The file cannot be decoded as {layout.encoding}.")
        spool.clear()
        return _validate(storage, key, error_key, layout.with_encoding("cp1252"), spool, progress, cancelled)


def _validate(storage, key, error_key, layout, spool, progress, cancelled) -> Validation:
    result = Validation(layout=layout, spool=spool)
    with storage.open_write(error_key) as out:
        text = io.TextIOWrapper(out.file, encoding="utf-8", newline="", write_through=False)
        writer = csv.writer(text)
        writer.writerow(ERROR_COLUMNS)
        # Locals, not attributes, in the loop: it runs once per row of very large files.
        remember, keep, rows, valid = result.last.add, spool.add, 0, 0
        for row_no, fields in _records(storage, key, layout, progress, cancelled):
            rows += 1
            parsed = parse_row(row_no, fields, layout)
            if type(parsed) is ProductRow:
                valid += 1
                remember(parsed.sku, row_no)
                keep(parsed)
            else:
                writer.writerows(_error_row(e) for e in parsed)
        text.flush()
        text.detach()
    result.rows_total, result.valid, result.invalid = rows, valid, rows - valid
    progress.rows_read = rows
    result.finish()
    return result


def _error_row(error: RowError) -> tuple:
    return error.row_no, error.column, error.value[:ERROR_VALUE_LIMIT], error.reason


def batches(validation: Validation, batch_size: int, progress: Progress,
            cancelled: Callable[[], bool]) -> Iterator[bytes]:
    """Pass 2: the surviving rows in file order, ``batch_size`` at a time, as one JSON
    array of BatchRow arrays (bytes, ready to embed in a message)."""
    survivors = validation.survivors()
    wanted, next_wanted = 0, survivors[0] if survivors else None
    batch: list[bytes] = []
    for read, (row_no, fragment) in enumerate(validation.spool, 1):
        if row_no != next_wanted:
            continue  # superseded by a later row of the same SKU
        batch.append(fragment)
        wanted += 1
        next_wanted = survivors[wanted] if wanted < len(survivors) else None
        if len(batch) == batch_size:
            progress.rows_read = read
            yield b"[" + b",".join(batch) + b"]"
            batch = []
            if cancelled():
                raise Cancelled()
    if batch:
        yield b"[" + b",".join(batch) + b"]"
