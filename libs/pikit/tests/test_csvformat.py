"""Specification of the product CSV format: encodings, delimiters, headers, records."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zipfile

import pytest

from pikit.csvformat import (
    KNOWN_COLUMNS,
    REQUIRED_COLUMNS,
    SAMPLE_SIZE,
    CsvFormatError,
    CsvLayout,
    detect_encoding,
    iter_records,
    normalize_header,
    open_source,
    read_sample,
    sniff,
)

PNG_BYTES = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\x00" * 32


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("products.csv", "sku,name\nA,B\n")
    return buffer.getvalue()


def records(data: bytes, layout: CsvLayout | None = None) -> list[tuple[int, list[str]]]:
    layout = layout or sniff(data[:SAMPLE_SIZE])
    return list(iter_records(io.BytesIO(data), layout))


def format_error(sample: bytes) -> CsvFormatError:
    with pytest.raises(CsvFormatError) as info:
        sniff(sample)
    return info.value


class NonSeekable(io.RawIOBase):
    """A pipe-like stream: no seek, no peek, and reads return at most `step` bytes."""

    def __init__(self, data: bytes, step: int = 1):
        self._data = data
        self._step = step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self._step, len(self._data))
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


# --------------------------------------------------------------------------- constants


def test_required_and_known_columns():
    assert REQUIRED_COLUMNS == ("sku", "name")
    assert KNOWN_COLUMNS == ("sku", "name", "description", "price", "active")


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" SKU ", "sku"), ("Name", "name"), ("\tDescription\r", "description"), ("\ufeffsku", "sku"), ("PRICE", "price"), ("", "")],
)
def test_normalize_header_strips_spaces_and_bom_and_lowercases(raw, expected):
    assert normalize_header(raw) == expected


def test_header_names_are_matched_without_case_or_surrounding_spaces():
    layout = sniff(b" SKU , Name ,DESCRIPTION\r\nA-1,Chair,Oak\r\n")
    assert layout.header == ("sku", "name", "description")
    assert layout.index == {"sku": 0, "name": 1, "description": 2}


def test_columns_may_come_in_any_order():
    layout = sniff(b"name,sku,description\nChair,A-1,Oak\n")
    assert layout.index == {"name": 0, "sku": 1, "description": 2}


def test_unknown_columns_are_reported_and_left_out_of_the_index():
    layout = sniff(b"sku,Colour,name,Weight (kg),price\nA,red,Chair,3,9.99\n")
    assert layout.unknown == ("colour", "weight (kg)")
    assert layout.index == {"sku": 0, "name": 2, "price": 4}
    assert layout.header == ("sku", "colour", "name", "weight (kg)", "price")


def test_empty_header_cells_are_not_reported_as_unknown_columns():
    layout = sniff(b"sku,name,,\nA,B,,\n")
    assert layout.unknown == ()
    assert layout.header == ("sku", "name", "", "")


def test_duplicate_header_names_first_one_wins():
    layout = sniff(b"sku,name,Name,SKU\nA,first,second,B\n")
    assert layout.index == {"sku": 0, "name": 1}
    assert layout.unknown == ()


def test_quoted_header_cells_are_unquoted():
    layout = sniff(b'"SKU","Name","Description"\r\n"A","B","C"\r\n')
    assert layout.delimiter == ","
    assert layout.index == {"sku": 0, "name": 1, "description": 2}


def test_quoted_header_cells_with_semicolons():
    layout = sniff(b'"SKU";"Name";"Price"\r\n"A";"B";"1,50"\r\n')
    assert layout.delimiter == ";"
    assert layout.index == {"sku": 0, "name": 1, "price": 2}


def test_spaces_after_delimiters_do_not_hide_quoted_cells():
    data = b'"SKU", "Name", "Description"\n"A-1", "Chair, oak", "Big"\n'
    layout = sniff(data)
    assert layout.index == {"sku": 0, "name": 1, "description": 2}
    assert records(data) == [(2, ["A-1", "Chair, oak", "Big"])]


def test_blank_lines_before_the_header_are_skipped():
    layout = sniff(b"\r\n\r\nsku,name\r\nA,B\r\n")
    assert layout.index == {"sku": 0, "name": 1}


# --------------------------------------------------------------------------- missing columns


def test_missing_sku_column_is_named_in_the_error():
    error = format_error(b"name,description\nChair,Oak\n")
    assert error.code == "missing_columns"
    assert error.missing == ["sku"]
    assert error.message == "The header row has no 'sku' column (found: name, description)."
    assert str(error) == error.message


def test_missing_name_column_is_named_in_the_error():
    error = format_error(b"SKU;Price\nA;1\n")
    assert error.code == "missing_columns"
    assert error.missing == ["name"]
    assert error.message == "The header row has no 'name' column (found: sku, price)."


def test_missing_both_required_columns_names_both():
    error = format_error(b"title,cost\nChair,1\n")
    assert error.code == "missing_columns"
    assert error.missing == ["sku", "name"]
    assert error.message == "The header row has no 'sku' and 'name' columns (found: title, cost)."


def test_missing_columns_error_uses_the_delimiter_that_found_the_most_known_columns():
    error = format_error(b"sku;description;price\nA;x;1\n")
    assert error.missing == ["name"]
    assert "(found: sku, description, price)" in error.message


def test_a_data_file_without_header_is_missing_columns():
    error = format_error(b"A-1,Chair,Oak\nA-2,Table,Pine\n")
    assert error.code == "missing_columns"
    assert error.missing == ["sku", "name"]


def test_missing_columns_message_stays_short_for_a_huge_header():
    header = ",".join(f"column{i}" for i in range(500)) + "," + "x" * 1000
    error = format_error(header.encode() + b"\n")
    assert error.missing == ["sku", "name"]
    assert "column19, and 481 more)" in error.message
    assert len(error.message) < 400


def test_missing_columns_message_for_a_file_of_empty_cells():
    error = format_error(b",,\n,,\n")
    assert (error.code, error.missing) == ("missing_columns", ["sku", "name"])


def test_csv_format_error_rejects_unknown_codes():
    with pytest.raises(ValueError):
        CsvFormatError("bad_code", "nope")


# --------------------------------------------------------------------------- delimiters


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected_from_the_header(delimiter):
    header = delimiter.join(["sku", "name", "description", "price"])
    row = delimiter.join(["A-1", "Chair", "Oak chair", "12.50"])
    data = f"{header}\r\n{row}\r\n".encode()
    layout = sniff(data)
    assert layout.delimiter == delimiter
    assert records(data) == [(2, ["A-1", "Chair", "Oak chair", "12.50"])]


def test_semicolon_file_whose_header_contains_commas_in_unknown_columns():
    layout = sniff(b"sku;name;size, cm\nA;B;3\n")
    assert layout.delimiter == ";"
    assert layout.unknown == ("size, cm",)


def test_comma_wins_when_several_delimiters_fit():
    layout = sniff(b"sku,name\nA,B\n")
    assert layout.delimiter == ","


def test_header_only_file_is_accepted():
    layout = sniff(b"sku,name")
    assert layout.index == {"sku": 0, "name": 1}
    assert records(b"sku,name") == []


# --------------------------------------------------------------------------- encodings


def test_plain_ascii_is_utf8():
    assert detect_encoding(b"sku,name\nA,B\n") == "utf-8"


def test_utf8_is_detected():
    data = "sku,name\nA,Café déjà vu – 5 €\n".encode()
    assert detect_encoding(data) == "utf-8"
    assert records(data) == [(2, ["A", "Café déjà vu – 5 €"])]


def test_utf8_with_bom_is_detected_and_the_bom_is_not_part_of_the_header():
    data = codecs.BOM_UTF8 + "SKU,Name\nA,Café\n".encode()
    layout = sniff(data)
    assert layout.encoding == "utf-8-sig"
    assert layout.header == ("sku", "name")
    assert records(data) == [(2, ["A", "Café"])]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_detected(codec):
    text = "sku\tname\r\nA\tCafé €\r\n"
    data = text.encode(codec)
    if codec != "utf-16":  # the explicit-endian codecs write no BOM
        data = (codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE) + data
    layout = sniff(data)
    assert layout.encoding == "utf-16"
    assert layout.delimiter == "\t"
    assert layout.header == ("sku", "name")
    assert records(data) == [(2, ["A", "Café €"])]


def test_utf16_sample_cut_in_the_middle_of_a_code_unit_is_still_sniffed():
    data = ("sku,name\n" + "A,Café\n" * 100).encode("utf-16")
    sample = data[:101]  # odd length: half a code unit at the end
    assert sniff(sample).encoding == "utf-16"


def test_windows_1252_is_detected():
    data = "sku;name;description\r\nA-1;Café crème;Prix: 5 € — très bon\r\n".encode("cp1252")
    assert b"\x80" in data  # the euro sign
    layout = sniff(data)
    assert layout.encoding == "cp1252"
    assert records(data) == [(2, ["A-1", "Café crème", "Prix: 5 € — très bon"])]


def test_short_windows_1252_file_is_detected():
    data = "sku,name\nA,Café\n".encode("cp1252")
    assert detect_encoding(data) == "cp1252"


def test_latin1_file_is_read_as_windows_1252():
    data = "sku,name\nA,© Café\n".encode("latin-1")
    assert detect_encoding(data) == "cp1252"


def test_sample_cut_in_the_middle_of_a_multibyte_utf8_character_is_still_utf8():
    data = ("sku,name\n" + "A,Café\n" * 20).encode()
    cut = data.index("é".encode()) + 1  # keep only the first byte of "é"
    sample = data[:cut]
    assert sample.endswith(b"\xc3")
    assert detect_encoding(sample) == "utf-8"
    assert sniff(sample).encoding == "utf-8"


def test_sample_cut_inside_a_four_byte_character_is_still_utf8():
    sample = "sku,name\nA,🪑".encode()[:-2]
    assert detect_encoding(sample) == "utf-8"


def test_invalid_utf8_in_the_middle_is_not_utf8():
    sample = b"sku,name\nA,Caf\xc3\n"  # a lead byte followed by a newline
    assert detect_encoding(sample) == "cp1252"


def test_text_that_no_single_byte_western_codec_decodes_falls_back_to_cp1252():
    # 0x81 is undefined in Windows-1252; the guess is still Windows-1252 ...
    assert detect_encoding(b"sku,name\nA,Caf\xe9 \x81\n") == "cp1252"


def test_sniff_reports_an_encoding_that_cannot_decode_the_header_sample():
    # ... which then cannot decode the sample: the file is refused as unreadable.
    error = format_error(b"sku,name\nA,Caf\xe9 \x81\n")
    assert error.code == "unreadable_encoding"
    assert "UTF-8" in error.message


def test_utf8_prefix_then_cp1252_later_raises_unicode_decode_error_and_restarts_with_cp1252():
    head = ("sku,name\n" + "A,plain ascii\n" * 10).encode()
    tail = "B,Café\n".encode("cp1252")
    layout = sniff(head)  # the upload service only saw the ASCII head
    assert layout.encoding == "utf-8"
    with pytest.raises(UnicodeDecodeError):
        list(iter_records(io.BytesIO(head + tail), layout))
    rows = list(iter_records(io.BytesIO(head + tail), layout.with_encoding("cp1252")))
    assert rows[-1] == (12, ["B", "Café"])


def test_with_encoding_returns_a_copy():
    layout = sniff(b"sku,name\nA,B\n")
    other = layout.with_encoding("cp1252")
    assert other.encoding == "cp1252"
    assert layout.encoding == "utf-8"
    assert (other.delimiter, other.header, other.index, other.unknown) == (
        layout.delimiter,
        layout.header,
        layout.index,
        layout.unknown,
    )


def test_layout_is_hashable_and_comparable():
    assert sniff(b"sku,name\n") == sniff(b"sku,name\n")
    assert hash(sniff(b"sku,name\n")) == hash(sniff(b"sku,name\n"))


# --------------------------------------------------------------------------- not a CSV


def test_empty_file():
    error = format_error(b"")
    assert error.code == "empty_file"
    assert error.message


@pytest.mark.parametrize("sample", [b"   ", b"\r\n\r\n", b" \t \n  \n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n", "  \n".encode("utf-16")])
def test_whitespace_only_file_is_empty(sample):
    assert format_error(sample).code == "empty_file"


def test_png_is_not_text():
    error = format_error(PNG_BYTES)
    assert error.code == "not_text"
    assert error.message


def test_zip_is_not_text():
    assert format_error(zip_bytes()).code == "not_text"


@pytest.mark.parametrize("magic", [b"%PDF-1.7\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"GIF89a", b"\xff\xd8\xff\xe0"])
def test_other_document_and_image_signatures_are_not_text(magic):
    assert format_error(magic + b"sku,name\nA,B\n").code == "not_text"


def test_nul_bytes_are_not_text():
    assert format_error(b"sku,name\nA,B\x00C\n").code == "not_text"


def test_utf16_without_bom_has_nul_bytes_and_is_not_text():
    assert format_error("sku,name\nA,B\n".encode("utf-16-le")).code == "not_text"


def test_lots_of_control_characters_are_not_text():
    sample = bytes(range(1, 9)) * 20 + b"sku,name\n"
    assert format_error(sample).code == "not_text"


def test_a_few_control_characters_in_a_real_file_are_tolerated():
    data = b"sku,name\n" + b"A,B\x1a\n" + b"C,D\n" * 200
    assert sniff(data).encoding == "utf-8"


def test_gzip_bytes_that_were_not_opened_with_open_source_are_not_text():
    assert format_error(gzip.compress(b"sku,name\nA,B\n")).code == "not_text"


# --------------------------------------------------------------------------- records and row numbers


def test_first_data_record_is_row_2():
    data = b"sku,name\nA,One\nB,Two\n"
    assert records(data) == [(2, ["A", "One"]), (3, ["B", "Two"])]


def test_crlf_line_endings():
    data = b"sku,name,description\r\nA,One,x\r\nB,Two,y\r\n"
    assert records(data) == [(2, ["A", "One", "x"]), (3, ["B", "Two", "y"])]


def test_bare_cr_line_endings():
    data = b"sku,name\rA,One\rB,Two\r"
    assert records(data) == [(2, ["A", "One"]), (3, ["B", "Two"])]


def test_last_line_without_newline():
    assert records(b"sku,name\nA,One\nB,Two") == [(2, ["A", "One"]), (3, ["B", "Two"])]


def test_quoted_fields_with_delimiters_and_doubled_quotes():
    data = b'sku,name,description\r\nA,"Chair, oak","The ""best"" chair"\r\n'
    assert records(data) == [(2, ["A", "Chair, oak", 'The "best" chair'])]


def test_quoted_newlines_make_one_row_and_row_numbers_count_records_not_lines():
    data = (
        b"name,sku,description\r\n"
        b'Chair,A-1,"Line one\r\nLine two\r\nLine three"\r\n'
        b'Table,A-2,"Single line"\r\n'
        b'Lamp,A-3,"Two\nlines"\r\n'
        b"Desk,A-4,plain\r\n"
    )
    assert records(data) == [
        (2, ["Chair", "A-1", "Line one\r\nLine two\r\nLine three"]),
        (3, ["Table", "A-2", "Single line"]),
        (4, ["Lamp", "A-3", "Two\nlines"]),
        (5, ["Desk", "A-4", "plain"]),
    ]


def test_blank_lines_are_skipped_but_keep_their_row_number():
    data = b"sku,name\r\nA,One\r\n\r\n,\r\n   \r\nB,Two\r\n\r\n"
    assert records(data) == [(2, ["A", "One"]), (6, ["B", "Two"])]


def test_blank_lines_before_the_header_still_count_as_rows():
    data = b"\nsku,name\nA,One\n"
    assert records(data) == [(3, ["A", "One"])]


def test_rows_with_other_lengths_are_yielded_as_they_are():
    data = b"sku,name,description\nA\nB,Two,x,extra\n"
    assert records(data) == [(2, ["A"]), (3, ["B", "Two", "x", "extra"])]


def test_very_long_field_is_read():
    description = "x" * 2_000_000
    data = f'sku,name,description\nA,B,"{description}"\n'.encode()
    assert records(data) == [(2, ["A", "B", description])]


def test_iter_records_leaves_the_stream_open():
    stream = io.BytesIO(b"sku,name\nA,B\n")
    layout = sniff(stream.getvalue())
    assert list(iter_records(stream, layout)) == [(2, ["A", "B"])]
    assert not stream.closed


def test_iter_records_stopped_early_leaves_the_stream_open():
    stream = io.BytesIO(b"sku,name\nA,B\nC,D\n")
    rows = iter_records(stream, sniff(stream.getvalue()))
    assert next(rows) == (2, ["A", "B"])
    rows.close()
    assert not stream.closed


def test_iter_records_raises_the_csv_field_size_limit_for_long_descriptions():
    list(iter_records(io.BytesIO(b"sku,name\nA,B\n"), sniff(b"sku,name\n")))
    assert csv.field_size_limit() >= 10 * 1024 * 1024


# --------------------------------------------------------------------------- sources


def test_open_source_returns_plain_streams_unchanged():
    stream = io.BytesIO(b"sku,name\nA,B\n")
    assert open_source(stream) is stream
    assert stream.read() == b"sku,name\nA,B\n"


def test_open_source_gunzips_gzip_content_whatever_the_name():
    data = b"sku,name\r\nA,B\r\n"
    source = open_source(io.BytesIO(gzip.compress(data)))
    assert source.read() == data


def test_open_source_on_a_buffered_file_uses_peek(tmp_path):
    path = tmp_path / "products.csv"  # gzip content behind a .csv name
    path.write_bytes(gzip.compress(b"sku,name\nA,B\n"))
    with path.open("rb") as raw:
        source = open_source(raw)
        assert raw.tell() == 0
        layout = sniff(read_sample(source))
    with path.open("rb") as raw:
        assert list(iter_records(open_source(raw), layout)) == [(2, ["A", "B"])]


@pytest.mark.parametrize("compress", [False, True])
def test_open_source_on_a_non_seekable_stream_loses_no_bytes(compress):
    data = ("sku,name,description\n" + "".join(f"A{i},Name {i},Café\n" for i in range(1000))).encode()
    payload = gzip.compress(data) if compress else data
    source = open_source(NonSeekable(payload, step=1))
    assert source.read() == data


def test_open_source_on_a_tiny_non_seekable_stream():
    assert open_source(NonSeekable(b"x")).read() == b"x"
    assert open_source(NonSeekable(b"")).read() == b""


def test_gzip_source_streams_records_end_to_end():
    data = ("sku;name\r\n" + "".join(f"S{i};N{i}\r\n" for i in range(5000))).encode("cp1252")
    raw = NonSeekable(gzip.compress(data), step=4096)
    source = open_source(raw)
    layout = sniff(read_sample(source))
    rows = list(iter_records(open_source(io.BytesIO(gzip.compress(data))), layout))
    assert len(rows) == 5000
    assert rows[0] == (2, ["S0", "N0"])
    assert rows[-1] == (5001, ["S4999", "N4999"])


def test_read_sample_reads_up_to_64_kib_across_short_reads():
    data = b"sku,name\n" + b"A,B\n" * 40_000
    sample = read_sample(open_source(NonSeekable(data, step=1000)))
    assert sample == data[:SAMPLE_SIZE]
    assert len(sample) == 64 * 1024


def test_read_sample_of_a_broken_gzip_is_not_text():
    broken = gzip.compress(b"sku,name\nA,B\n" * 100)[:-20]
    with pytest.raises(CsvFormatError) as info:
        read_sample(open_source(io.BytesIO(broken)))
    assert info.value.code == "not_text"
