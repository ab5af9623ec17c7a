"""Structured logs: one JSON object a line (or plain text), every line of a request carrying its
request id, and one access line a request with what an operator needs and nothing secret."""

import logging
import re
import secrets
from contextvars import ContextVar
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

request_id: ContextVar[str | None] = ContextVar("fawtara_request_id", default=None)

ACCESS_LOGGER = "fawtara.access"
# A caller's own request id is kept if it is a plain token; anything else (too long, spaces,
# control characters that could forge log lines) is replaced by a new one.
_GIVEN_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Invoice link tokens open the invoice: a log reader must not be able to. A token is 16 to 64
# of these characters (`invoices.service.is_link_token`), and it can turn up in any path: in
# the invoice link's own, in a Hesabe cancel, or wherever a caller puts one by mistake. So
# every run of 16 or more of them is masked, unless it is a word of the server's own routes.
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_-]{16,}")
# Everything in the invoice link's token slot, a short guess included.
_LINK_PATH = re.compile(r"^/i/[^/?.]+")


def new_request_id(given: str | None) -> str:
    if given is not None and _GIVEN_ID.fullmatch(given):
        return given
    return secrets.token_hex(16)


def loggable_path(path: str, words: frozenset[str] = frozenset()) -> str:
    """The path as logged: anything that could be a link token is masked (`/i/<token>.pdf`
    as `/i/….pdf`); `words` are route templates' words, kept. Query strings are never logged
    (they may hold an email address, a sealed payload)."""
    path = _LINK_PATH.sub("/i/…", path)
    return _TOKEN_RUN.sub(lambda run: run[0] if run[0] in words else "…", path)


class RedactLinkTokens(logging.Filter):
    """Keeps link tokens out of uvicorn's own access log, for a server run under a bare
    uvicorn (`fawtara serve` turns that log off for its own)."""

    def __init__(self, words: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.words = words

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's access record: (client address, method, path with query, HTTP version,
        # status code).
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path = loggable_path(args[2].partition("?")[0], self.words)
            record.args = (args[0], args[1], path, args[3], args[4])
        return True


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record logged while a request is being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class TextAccessFormatter(logging.Formatter):
    """The access line in plain text, for people reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = record.__dict__
        if record.name != ACCESS_LOGGER:
            return super().format(record)
        return (
            f'{self.formatTime(record)} {fields["client"]} "{fields["method"]} {fields["path"]}" '
            f"{fields['status']} {fields['duration_ms']:.1f} ms id={fields['request_id']}"
        )


def log_config(level: str, fmt: Literal["json", "text"]) -> dict[str, Any]:
    """`logging.config.dictConfig` for the server (uvicorn's own loggers included)."""
    formatter: dict[str, Any]
    if fmt == "json":
        formatter = {
            "()": JsonFormatter,
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
            "json_ensure_ascii": False,
            # uvicorn's terminal colours are no use in a log pipeline
            "reserved_attrs": [*RESERVED_ATTRS, "color_message"],
        }
    else:
        formatter = {
            "()": TextAccessFormatter,
            "fmt": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "fawtara": {"handlers": ["default"], "level": level.upper(), "propagate": False},
        },
    }
