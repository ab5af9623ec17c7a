"""The SDK's exceptions: one tree, each carrying what the server answered.

FawtaraError
├── TransportError          (no answer: connection refused, reset, timed out)
│   └── RequestTimeout
├── AuthenticationError     401, 403: bad API key, token, login or accessCode
├── NotFoundError           404
├── ConflictError           409: duplicate number, email or transaction; delete refused
├── ValidationError         400, 406, 413, 415, 422, and Hesabe's 506 "Invalid Request Data"
├── RateLimitError          429, once retries are spent (`retry_after`: seconds, if given)
└── ServerError             5xx (other than Hesabe's 506)
"""

from typing import Any


class FawtaraError(Exception):
    """Base of every error the SDK raises.

    `status_code` is the HTTP status (None when no answer came), `message` the dialect's error
    text (Fatora's `description`, Hesabe's `message`), `body` the error body as decoded JSON (or
    text), and `errors` the itemised problems a Hesabe-style answer lists
    (`{"field", "reason"}`, or `{"line", "reason"}` for bulk file rows).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body: Any = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = body
        self.errors = errors or []

    def __str__(self) -> str:
        return self.message if self.status_code is None else f"{self.status_code}: {self.message}"


class TransportError(FawtaraError):
    """The server could not be reached, or did not answer."""


class RequestTimeout(TransportError):
    """No answer within the client's timeout."""


class AuthenticationError(FawtaraError):
    """The credentials were refused (401), or the API key is revoked (403)."""


class NotFoundError(FawtaraError):
    """No such record for this merchant (404)."""


class ConflictError(FawtaraError):
    """The request conflicts with what is stored (409)."""


class ValidationError(FawtaraError):
    """The server refused a value of the request (400, 406, 413, 415, 422, Hesabe's 506)."""


class RateLimitError(FawtaraError):
    """Too many requests (429), still refused after the configured retries."""

    def __init__(self, message: str, *, retry_after: float | None = None, **wire: Any) -> None:
        super().__init__(message, **wire)
        self.retry_after = retry_after


class ServerError(FawtaraError):
    """The server failed (5xx)."""


_BY_STATUS: dict[int, type[FawtaraError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    406: ValidationError,
    409: ConflictError,
    413: ValidationError,
    415: ValidationError,
    422: ValidationError,
    506: ValidationError,  # Hesabe's "Invalid Request Data"
}


def error_for(
    status: int,
    message: str,
    body: Any,
    *,
    errors: list[dict[str, Any]] | None = None,
    retry_after: float | None = None,
) -> FawtaraError:
    """The exception for an error answer of either dialect."""
    wire: dict[str, Any] = {"status_code": status, "body": body, "errors": errors}
    if status == 429:
        return RateLimitError(message, retry_after=retry_after, **wire)
    kind = _BY_STATUS.get(status, ServerError if status >= 500 else FawtaraError)
    return kind(message, **wire)
