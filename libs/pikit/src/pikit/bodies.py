"""Request bodies every API accepts: JSON (bounded), or multipart where a route takes a file.

A body sent without ``Content-Type: application/json`` is refused (415) instead of parsed as
JSON anyway, as FastAPI would: a browser page on another origin can send a "simple" request
(``text/plain`` or no type) without a CORS preflight, and must not be able to reach a JSON
endpoint that way. JSON bodies over ``max_json_bytes`` are refused with 413 before they are
read into memory (declared length) or as soon as they pass it (chunked).
"""

from __future__ import annotations

from pikit.auth import error_response

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_JSON_BYTES = 1024 * 1024


def _media_type(headers: list[tuple[bytes, bytes]]) -> str:
    raw = next((v for k, v in headers if k == b"content-type"), b"")
    return raw.decode("latin-1").split(";", 1)[0].strip().lower()


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


class BodyPolicyMiddleware:
    def __init__(self, app, *, form_paths: frozenset[str] = frozenset(), max_json_bytes: int = MAX_JSON_BYTES):
        self.app, self.form_paths, self.max_json_bytes = app, form_paths, max_json_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            return await self.app(scope, receive, send)
        headers = scope["headers"]
        length = next((v for k, v in headers if k == b"content-length"), None)
        chunked = any(k == b"transfer-encoding" for k, _ in headers)
        if not chunked and (length is None or length == b"0"):
            return await self.app(scope, receive, send)  # no body: nothing to check
        media_type = _media_type(headers)
        if media_type == "multipart/form-data" and scope["path"] in self.form_paths:
            return await self.app(scope, receive, send)  # the route bounds its own upload
        if not _is_json(media_type):
            wanted = "application/json" + (" or multipart/form-data" if scope["path"] in self.form_paths else "")
            return await error_response(send, 415, "unsupported_media_type",
                                        f"Send the body as {wanted} (Content-Type).")
        if length is not None and length.isdigit() and int(length) > self.max_json_bytes:
            return await self._too_large(send)
        # Read the (bounded) body here and hand it on: refused the moment it passes the limit.
        # (An exception raised from inside the app's receive would become FastAPI's 400.)
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_json_bytes:
                return await self._too_large(send)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()  # after the body: the disconnect, when it comes

        await self.app(scope, replay, send)

    async def _too_large(self, send) -> None:
        await error_response(send, 413, "body_too_large",
                             f"The JSON body is over the {self.max_json_bytes} byte limit.",
                             limit_bytes=self.max_json_bytes)
