"""The do-nothing baseline: a raw ASGI app that answers every request with fixed JSON bytes.

Run under the same uvicorn settings as `fawtara serve`, it measures what the server, the
loopback and wrk cost on this machine, so Fawtara's figures can be read as a share of it.
The body comes from the file named by `BENCH_BASELINE_BODY` (a captured Fawtara response).
"""

import os
from pathlib import Path
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]

BODY = Path(os.environ["BENCH_BASELINE_BODY"]).read_bytes()
_START = {
    "type": "http.response.start",
    "status": 200,
    # The same two headers Fawtara sends; uvicorn adds `date` to both.
    "headers": [
        (b"content-length", str(len(BODY)).encode()),
        (b"content-type", b"application/json"),
    ],
}
_BODY = {"type": "http.response.body", "body": BODY}


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
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
