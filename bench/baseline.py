"""The do-nothing baseline: a raw ASGI app that answers every request with fixed bytes.

Run under the same server settings as Fawtara, it measures what the server, the loopback and wrk
cost on this machine, so Fawtara's figures can be read as a share of it. The body comes from the
file named by `BENCH_BASELINE_BODY` (a captured Fawtara response); `BENCH_BASELINE_HEAD`, if
set, names a JSON file with the status and headers to answer with (harness.save_answer writes
both), else it is 200 with Fawtara's JSON headers. A request body is read before answering, as
any app must.
"""

import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]

BODY = Path(os.environ["BENCH_BASELINE_BODY"]).read_bytes()
_HEAD = os.environ.get("BENCH_BASELINE_HEAD")
if _HEAD:
    _head = json.loads(Path(_HEAD).read_text())
    STATUS: int = _head["status"]
    _HEADERS = [(name.encode(), value.encode()) for name, value in _head["headers"]]
else:
    STATUS = 200
    # The same two headers Fawtara sends; uvicorn adds `date` to both.
    _HEADERS = [
        (b"content-length", str(len(BODY)).encode()),
        (b"content-type", b"application/json"),
    ]
MEDIA_TYPE = dict(_HEADERS).get(b"content-type", b"application/json").decode()
_START = {"type": "http.response.start", "status": STATUS, "headers": _HEADERS}
_BODY = {"type": "http.response.body", "body": BODY}

Handler = Callable[[Scope, Any, Any], Awaitable[None]]


def lifespan_app(handler: Handler) -> Handler:
    """An ASGI app: `handler` answers HTTP; the server's lifespan messages are acknowledged."""

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        await handler(scope, receive, send)

    return app


async def answer(send: Any) -> None:
    """Send the answer (for the apps of rungs.py)."""
    await send(_START)
    await send(_BODY)


async def app(scope: Scope, receive: Any, send: Any) -> None:
    # Not built with lifespan_app and answer: the baseline stays the cheapest app there is.
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["method"] != "GET":
        while (await receive()).get("more_body"):
            pass
    await send(_START)
    await send(_BODY)


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message: Message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
