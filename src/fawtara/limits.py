"""Request body limits: a body larger than its route allows is refused with 413, in the
dialect's own error shape, before it is read into memory.

Starlette has no body limit of its own and uvicorn none either, so this small ASGI middleware
counts the bytes as the app receives them. It raises Starlette's HTTPException, which FastAPI
lets through from body parsing and the app's handler turns into the dialect's error.
"""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The one route that takes whole files: a 100,000-row upload is ~21 MB once sealed.
BULK_UPLOAD_PATH = "/api/v1/invoice-bulk-upload"


class BodyLimit:
    def __init__(self, app: ASGIApp, *, default: int, bulk_upload: int) -> None:
        self.app = app
        self.default = default
        self.bulk_upload = bulk_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.bulk_upload if path.startswith(BULK_UPLOAD_PATH) else self.default
        received = 0

        # Headers are looked at only when the app reads the body: a GET never pays for it.
        async def limited() -> Message:
            nonlocal received
            if received == 0 and (_content_length(scope) or 0) > limit:
                raise too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, limited, send)


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"Request body is larger than the {limit:,} bytes allowed")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
