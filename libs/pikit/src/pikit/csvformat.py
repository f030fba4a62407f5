"""The product CSV format: encoding, delimiter and header detection, and record iteration.

Shared by the upload service (which checks the header of the first 64 KiB at upload
time) and the import worker (which streams every record). Pure: the only I/O is
reading the binary stream it is given.

Typical use::

    src = open_source(raw)                  # transparently gunzips .csv.gz
    layout = sniff(read_sample(src))        # raises CsvFormatError on an unusable file
    ...                                     # reopen / rewind to byte 0 of the decompressed data
    for row_no, fields in iter_records(open_source(raw_again), layout):
        ...

If ``iter_records`` raises ``UnicodeDecodeError`` (the first 64 KiB looked like UTF-8
but a later byte is not), restart with ``layout.with_encoding("cp1252")``.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gzip
import io
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

__all__ = [
    "CSV_FIELD_SIZE_LIMIT",
    "DELIMITERS",
    "KNOWN_COLUMNS",
    "REQUIRED_COLUMNS",
    "SAMPLE_SIZE",
    "CsvFormatError",
    "CsvLayout",
    "detect_encoding",
    "iter_records",
    "normalize_header",
    "open_source",
    "read_sample",
    "sniff",
]

REQUIRED_COLUMNS = ("sku", "name")
KNOWN_COLUMNS = ("sku", "name", "description", "price", "active")

#: Candidate delimiters, in order of preference when several fit equally well.
DELIMITERS = (",", ";", "\t", "|")

#: How much of the (decompressed) file the upload service looks at.
SAMPLE_SIZE = 64 * 1024

#: Largest single field the csv module accepts (long descriptions; the row rules
#: reject over-long values with a row error rather than failing the file).
CSV_FIELD_SIZE_LIMIT = 10 * 1024 * 1024

_GZIP_MAGIC = b"\x1f\x8b"

# File signatures of formats people upload by mistake instead of a CSV.
_BINARY_MAGIC = (
    b"\x89PNG",  # PNG
    b"PK\x03\x04",  # ZIP, XLSX, ODS, DOCX
    b"PK\x05\x06",  # empty ZIP
    b"PK\x07\x08",  # spanned ZIP
    b"%PDF-",  # PDF
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",  # JPEG
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE2: legacy XLS / DOC
    b"\x1f\x8b",  # gzip (a gzip inside the gzip)
    b"BZh",  # bzip2
    b"\xfd7zXZ\x00",  # xz
    b"7z\xbc\xaf\x27\x1c",  # 7-Zip
    b"Rar!\x1a\x07",  # RAR
    b"\x7fELF",  # executable
    b"MZ\x90\x00",  # Windows executable
)

# Control bytes that never occur in text (tab, LF, VT, FF and CR are fine; NUL is
# checked separately).
_CONTROL_BYTES = bytes([*range(0x01, 0x09), *range(0x0E, 0x20), 0x7F])
_NON_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)

# Codecs charset_normalizer may pick, all single-byte Western European or UTF-8.
_WESTERN_CODECS = ("cp1252", "latin_1", "iso8859_15", "utf_8")
_CODEC_NAMES = {"cp1252": "cp1252", "latin_1": "latin-1", "iso8859_15": "iso8859-15", "utf_8": "utf-8"}


class CsvFormatError(Exception):
    """The file cannot be imported at all (as opposed to a single bad row).

    ``code`` is one of ``"empty_file"``, ``"not_text"``, ``"missing_columns"``,
    ``"unreadable_encoding"``; ``message`` is a sentence for people; ``missing`` lists
    the missing required columns (``missing_columns`` only, empty otherwise).
    """

    CODES = ("empty_file", "not_text", "missing_columns", "unreadable_encoding", "malformed_csv")

    def __init__(self, code: str, message: str, missing: list[str] | None = None):
        if code not in self.CODES:
            raise ValueError(f"unknown CsvFormatError code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.missing = list(missing) if missing else []

    def __repr__(self) -> str:
        return f"CsvFormatError({self.code!r}, {self.message!r}, missing={self.missing!r})"


@dataclass(frozen=True)
class CsvLayout:
    """What ``sniff`` learnt about a file; everything needed to read its records."""

    encoding: str
    delimiter: str
    header: tuple[str, ...]
    index: dict[str, int] = field(hash=False)
    unknown: tuple[str, ...] = ()

    @classmethod
    def from_header(cls, encoding: str, delimiter: str, header: list[str] | tuple[str, ...]) -> CsvLayout:
        """Build a layout from raw header cells (normalised here; first duplicate wins)."""
        names = tuple(normalize_header(h) for h in header)
        index: dict[str, int] = {}
        unknown: list[str] = []
        for pos, name in enumerate(names):
            if name in KNOWN_COLUMNS:
                index.setdefault(name, pos)
            elif name and name not in unknown:
                unknown.append(name)
        return cls(encoding=encoding, delimiter=delimiter, header=names, index=index, unknown=tuple(unknown))

    @property
    def missing(self) -> list[str]:
        """Required columns that the header lacks, in ``REQUIRED_COLUMNS`` order."""
        return [c for c in REQUIRED_COLUMNS if c not in self.index]

    def with_encoding(self, encoding: str) -> CsvLayout:
        return dataclasses.replace(self, encoding=encoding)


def normalize_header(name: str) -> str:
    """``" SKU "`` -> ``"sku"``: surrounding whitespace and stray BOMs removed, lower-cased."""
    return name.strip().strip("\ufeff").strip().lower()


# --------------------------------------------------------------------------- encoding


def detect_encoding(sample: bytes) -> str:
    """Return the Python codec name to decode a file whose first bytes are ``sample``.

    Raises ``CsvFormatError("empty_file")`` for an empty sample and
    ``CsvFormatError("not_text")`` for one that looks binary.
    """
    if not sample:
        raise CsvFormatError("empty_file", "The file is empty.")
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bom = sample.startswith(codecs.BOM_UTF8)
    body = sample[len(codecs.BOM_UTF8) :] if bom else sample
    _reject_binary(body)
    if bom:
        return "utf-8-sig"
    if _decodes(body, "utf-8"):
        return "utf-8"
    return _guess_single_byte(body)


def _reject_binary(data: bytes) -> None:
    if data.startswith(_BINARY_MAGIC):
        raise CsvFormatError("not_text", "This is not a CSV text file (it looks like an archive, image or document).")
    if b"\x00" in data:
        raise CsvFormatError("not_text", "This is not a CSV text file (it contains NUL bytes).")
    control = len(data.translate(None, _NON_CONTROL_BYTES))  # what is left: the control bytes
    if control > max(8, len(data) // 50):
        raise CsvFormatError("not_text", "This is not a CSV text file (it contains binary data).")


def _decodes(data: bytes, encoding: str) -> bool:
    """True if ``data`` decodes, allowing a multibyte character cut at the very end."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _guess_single_byte(data: bytes) -> str:
    from charset_normalizer import from_bytes  # imported lazily: only non-UTF-8 files need it

    best = from_bytes(data, cp_isolation=list(_WESTERN_CODECS)).best()
    if best is not None and best.encoding in _CODEC_NAMES:
        name = _CODEC_NAMES[best.encoding]
        # Latin-1 maps 0x80-0x9F to invisible C1 controls; Windows-1252 maps them to
        # the characters people actually typed (euro sign, curly quotes, dashes).
        if name == "latin-1" and _decodes(data, "cp1252"):
            return "cp1252"
        return name
    return "cp1252"


# --------------------------------------------------------------------------- header


def sniff(sample: bytes) -> CsvLayout:
    """Detect encoding, delimiter and header from the first bytes of the decompressed file.

    ``sample`` may end in the middle of a line or of a multibyte character. Raises
    ``CsvFormatError`` when the file cannot be imported at all.
    """
    encoding = detect_encoding(sample)
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError as exc:
        raise CsvFormatError(
            "unreadable_encoding",
            f"The file's text encoding could not be recognised (tried {encoding}; "
            "save it as UTF-8 and upload it again).",
        ) from exc
    if not text.strip().strip("\ufeff").strip():
        raise CsvFormatError("empty_file", "The file is empty (it has no header row).")

    best: CsvLayout | None = None
    best_score: tuple[int, int, int] = (-1, -1, -1)
    for delimiter in DELIMITERS:
        layout = CsvLayout.from_header(encoding, delimiter, _first_record(text, delimiter))
        found = [c for c in REQUIRED_COLUMNS if c in layout.index]
        score = (len(found), len(layout.index), len(layout.header))
        if score > best_score:  # strictly better: earlier delimiters win ties
            best, best_score = layout, score
    assert best is not None

    missing = best.missing
    if missing:
        raise CsvFormatError("missing_columns", _missing_message(missing, best.header), missing=missing)
    return best


def _first_record(text: str, delimiter: str) -> list[str]:
    """The first non-blank record of ``text`` split with ``delimiter`` (quotes honoured)."""
    # Only the first few lines are needed; csv.reader parses lazily.
    try:
        for record in _reader(io.StringIO(text, newline=""), delimiter):
            if not _is_blank(record):
                return record
    except csv.Error:
        pass
    return []


def _reader(lines: Iterable[str], delimiter: str) -> Iterator[list[str]]:
    # skipinitialspace: `a, "b, c"` is two fields, as people who type CSV by hand mean
    # it. Every column we import is stripped anyway, so nothing else changes.
    return csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, skipinitialspace=True, strict=False)


def _is_blank(fields: list[str]) -> bool:
    """A blank line (``[]``), only delimiters (``['', '']``) or only spaces (``['  ']``)."""
    return not any(fields) or (len(fields) == 1 and fields[0].isspace())


def _missing_message(missing: list[str], header: tuple[str, ...]) -> str:
    names = " and ".join(f"'{m}'" for m in missing)
    noun = "column" if len(missing) == 1 else "columns"
    shown = [h if len(h) <= 40 else h[:40] + "…" for h in header if h]
    if len(shown) > 20:
        shown = [*shown[:20], f"and {len(shown) - 20} more"]
    found = ", ".join(shown) or "no column names"
    return f"The header row has no {names} {noun} (found: {found})."


# --------------------------------------------------------------------------- streams


class _PrefixedReader(io.RawIOBase):
    """A raw stream that first returns ``head`` and then the rest of ``tail``."""

    def __init__(self, head: bytes, tail: BinaryIO):
        self._head = head
        self._tail = tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(self._head), len(view))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        if hasattr(self._tail, "readinto"):
            return self._tail.readinto(view) or 0
        data = self._tail.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._tail.close()
        finally:
            super().close()


def _read_exactly(raw: BinaryIO, size: int) -> bytes:
    chunks: list[bytes] = []
    missing = size
    while missing > 0:
        chunk = raw.read(missing)
        if not chunk:
            break
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def open_source(raw: BinaryIO) -> BinaryIO:
    """Return a stream of the file's CSV bytes: gunzipped if ``raw`` starts with the gzip magic.

    The file name is irrelevant; only the first two bytes count. Works on
    non-seekable streams (pipes, HTTP bodies): nothing already read is lost.
    """
    head: bytes | None = None
    stream: BinaryIO = raw
    peek = getattr(raw, "peek", None)
    if peek is not None:
        peeked = peek(2)
        if len(peeked) >= 2:
            head = peeked[:2]
    if head is None:
        seekable = False
        try:
            seekable = raw.seekable()
        except (AttributeError, OSError, ValueError):
            pass
        if seekable:
            position = raw.tell()
            head = _read_exactly(raw, 2)
            raw.seek(position)
        else:
            head = _read_exactly(raw, 2)
            stream = io.BufferedReader(_PrefixedReader(head, raw))  # type: ignore[assignment]
    if head == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    return stream


def read_sample(raw: BinaryIO, size: int = SAMPLE_SIZE) -> bytes:
    """Read up to ``size`` bytes (fewer only at end of file), looping over short reads.

    A stream from ``open_source`` that claims to be gzip but cannot be decompressed
    raises ``CsvFormatError("not_text")``.
    """
    try:
        return _read_exactly(raw, size)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise CsvFormatError("not_text", "The file looks gzip-compressed but cannot be decompressed.") from exc


# --------------------------------------------------------------------------- records


def iter_records(raw: BinaryIO, layout: CsvLayout) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(row_number, fields)`` for every data record of the decompressed stream.

    ``raw`` must be positioned at byte 0. Row numbers follow the spreadsheet
    convention: the header is row 1, the first data record row 2, and a record whose
    quoted fields span several lines is still one row. Blank records are skipped but
    consume their row number. Blank records before the header are skipped too.

    ``UnicodeDecodeError`` propagates (restart with ``layout.with_encoding("cp1252")``);
    ``csv.Error`` propagates for a field over ``CSV_FIELD_SIZE_LIMIT`` (typically a
    quote that is never closed). ``raw`` is left open.
    """
    if csv.field_size_limit() < CSV_FIELD_SIZE_LIMIT:
        csv.field_size_limit(CSV_FIELD_SIZE_LIMIT)
    text = io.TextIOWrapper(raw, encoding=layout.encoding, newline="")  # type: ignore[arg-type]
    try:
        reader = _reader(text, layout.delimiter)
        row_no = 0
        for fields in reader:  # the header: the first non-blank record
            row_no += 1
            if not _is_blank(fields):
                break
        for fields in reader:
            row_no += 1
            # Inlined _is_blank: this loop runs once per row of very large files.
            if not any(fields) or (len(fields) == 1 and fields[0].isspace()):
                continue
            yield row_no, fields
    finally:
        # Do not let the wrapper close the caller's stream when it is collected.
        if not text.closed:
            text.detach()
