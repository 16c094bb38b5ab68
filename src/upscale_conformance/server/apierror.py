"""The one error type of the reference server, rendered as the vendor's documented body."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the fault catalog imports ApiError; listing it should not load the web framework
    from fastapi.responses import JSONResponse


class ApiError(Exception):
    """An answer other than 200: status, a message safe to show the client, and extra headers.

    >>> ApiError(400, "upscale.mode is missing").response().body
    b'{"error":{"message":"upscale.mode is missing"}}'
    """

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})

    def with_headers(self, headers: dict[str, str]) -> ApiError:
        self.headers = {**headers, **self.headers}
        return self

    def response(self) -> JSONResponse:
        return error_response(self.status, self.message, self.headers)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": {"message": message}}, status_code=status, headers=headers)
