"""The one error shape every API answers with: ``{"error": {"status", "code", "message", ...}}``."""

from __future__ import annotations


class ApiError(Exception):
    """An error with a status code, a stable machine code and a human message."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None,
                 **details: object):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers


def error_body(status: int, code: str, message: str, **details: object) -> dict:
    return {"error": {"status": status, "code": code, "message": message, **details}}
