"""Streaming intake of one uploaded file: multipart parsing, storage, sha256, size
limit and the header check, chunk by chunk, so memory stays flat whatever the size."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import AsyncIterator

from python_multipart import MultipartParser
from python_multipart.multipart import parse_options_header

from pikit.app import ApiError
from pikit.csvformat import CsvFormatError, CsvLayout, sniff
from pikit.storage import AtomicWriter, LocalStorage

SNIFF_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"


class TooLarge(Exception):
    pass


class HeaderProbe:
    """Collects the first decompressed bytes of the file (gzip or not) for ``sniff``."""

    def __init__(self) -> None:
        self.head = bytearray()
        self._inflate: zlib._Decompress | None = None
        self._decided = False
        self.done = False

    def feed(self, data: bytes) -> None:
        if self.done:
            return
        if not self._decided:
            if len(self.head) + len(data) < 2:
                self.head += data
                return
            first = bytes(self.head) + data
            self.head.clear()
            self._decided = True
            if first.startswith(GZIP_MAGIC):
                self._inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            data = first
        if self._inflate is not None:
            try:
                data = self._inflate.decompress(data, SNIFF_BYTES - len(self.head))
            except zlib.error as exc:
                raise CsvFormatError("not_text", f"The file looks gzip-compressed but cannot be read: {exc}.")
        self.head += data[: SNIFF_BYTES - len(self.head)]
        if len(self.head) >= SNIFF_BYTES:
            self.done = True

    def layout(self) -> CsvLayout:
        return sniff(bytes(self.head))


class FileIntake:
    """Receives the multipart body; keeps the part named ``file``."""

    def __init__(self, storage: LocalStorage, storage_key: str, max_bytes: int, boundary: bytes):
        self.storage = storage
        self.storage_key = storage_key
        self.max_bytes = max_bytes
        self.filename: str | None = None
        self.size = 0
        self.sha256 = hashlib.sha256()
        self.probe = HeaderProbe()
        self.layout: CsvLayout | None = None
        self.rejection: CsvFormatError | None = None
        self._writer: AtomicWriter | None = None
        self._in_file_part = False
        self._seen_file = False
        self._header_field = b""
        self._headers: dict[bytes, bytes] = {}
        self._parser = MultipartParser(boundary, callbacks={
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field_cb,
            "on_header_value": self._header_value_cb,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        })

    # --- multipart callbacks (synchronous, called from parser.write) ---

    def _part_begin(self) -> None:
        self._headers = {}
        self._header_field = b""
        self._in_file_part = False

    def _header_field_cb(self, data: bytes, start: int, end: int) -> None:
        self._header_field = data[start:end].lower()

    def _header_value_cb(self, data: bytes, start: int, end: int) -> None:
        self._headers[self._header_field] = self._headers.get(self._header_field, b"") + data[start:end]

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if options.get(b"name") == b"file" and not self._seen_file:
            self._in_file_part = True
            self._seen_file = True
            raw_name = options.get(b"filename", b"") or b"upload.csv"
            self.filename = raw_name.decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1][:255]
            self._writer = self.storage.open_write(self.storage_key)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._in_file_part:
            return
        chunk = data[start:end]
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise TooLarge()
        if self.rejection is not None:
            return  # keep reading the body so the client gets our answer, but store nothing
        self.sha256.update(chunk)
        self._writer.write(chunk)
        if not self.probe.done:
            try:
                self.probe.feed(chunk)
                if self.probe.done:
                    self.layout = self.probe.layout()
            except CsvFormatError as exc:
                self.rejection = exc

    def _part_end(self) -> None:
        if self._in_file_part and self.layout is None and self.rejection is None:
            try:
                self.layout = self.probe.layout()
            except CsvFormatError as exc:
                self.rejection = exc
        self._in_file_part = False

    # --- driving ---

    async def consume(self, body: AsyncIterator[bytes]) -> None:
        try:
            async for chunk in body:
                self._parser.write(chunk)
            self._parser.finalize()
        except BaseException:
            self.discard()
            raise
        if not self._seen_file:
            self.discard()
            raise ApiError(422, "missing_file", "The request has no multipart field named 'file'.")
        if self.rejection is not None:
            self.discard()
            raise ApiError(422, self.rejection.code, self.rejection.message, missing=self.rejection.missing or [])

    def commit(self) -> None:
        self._writer.commit()

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.abort()


def parse_boundary(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type or "")
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise ApiError(415, "unsupported_media_type",
                       "Send the file as multipart/form-data in a field named 'file'.")
    return options[b"boundary"]
