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
# Invoice link tokens open the invoice: a log reader must not be able to.
_LINK_TOKEN = re.compile(r"^/i/[^/?.]+")


def mask_link_token(path: str) -> str:
    """`/i/<token>.pdf` as `/i/….pdf`."""
    return _LINK_TOKEN.sub("/i/…", path)


def new_request_id(given: str | None) -> str:
    if given is not None and _GIVEN_ID.fullmatch(given):
        return given
    return secrets.token_hex(16)


def loggable_path(path: str) -> str:
    """The path as logged: query strings are never logged (they may hold an email address, a
    sealed payload), link tokens are masked."""
    return mask_link_token(path)


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
