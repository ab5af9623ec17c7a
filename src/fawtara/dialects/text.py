"""What both dialects refuse in any value they are sent: NUL characters in text, times that
have no UTC time inside the calendar, and times that are not written as a date and a time.

PostgreSQL cannot store U+0000 in a text column (SQLite can), so a NUL would otherwise fail
only on one backend, deep in a write, as a server error. Times are stored in UTC, and
9999-12-31T23:59-05:00 (or 0001-01-01T00:00+05:00) has no UTC time Python can hold: it would
fail in the conversion, as a server error. Both are refused up front instead, on every backend
alike, as the field's validation error.
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, GetJsonSchemaHandler, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

NUL = "\x00"
NO_NUL = r"^[^\x00]*$"  # as a JSON Schema pattern


def has_nul(value: Any) -> bool:
    """Whether a string, or any string in a list, contains NUL (nested models, dicts and
    everything else check their own fields)."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, list | tuple):
        return any(isinstance(v, str) and NUL in v for v in value)
    return False


def _document_no_nul(schema: JsonSchemaValue) -> None:
    """Every string in `schema` without a pattern of its own gets NO_NUL (patterns written
    here exclude NUL themselves)."""
    plain = not {"pattern", "enum", "const"} & schema.keys()
    if schema.get("type") == "string" and plain:
        schema["pattern"] = NO_NUL
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            _document_no_nul(option)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _document_no_nul(schema[key])


_DATE_AND_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}")


def _date_and_time(value: Any) -> Any:
    """ISO 8601 text with a date and a time, as the document's date-time says (the offset may
    be left out, as in Fatora's own samples): pydantic alone would also read 0 or "1700000000"
    as seconds since 1970, and a bare date as its midnight."""
    if isinstance(value, datetime) or (isinstance(value, str) and _DATE_AND_TIME.match(value)):
        return value
    raise ValueError("must be a date and time such as 2026-12-01T09:30:00Z")


WireTime = Annotated[datetime, BeforeValidator(_date_and_time)]


def _outside_utc_calendar(value: Any) -> bool:
    if not isinstance(value, datetime) or value.tzinfo is None:
        return False  # a naive time is taken as UTC already
    try:
        value.astimezone(UTC)
    except OverflowError:
        return True
    return False


class WireModel(BaseModel):
    """A request body or payload: no field may contain a NUL character (and its JSON Schema
    says so), and no time may fall outside the calendar once in UTC."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        for field in schema.get("properties", {}).values():
            _document_no_nul(field)
        return schema

    # Before any pattern, so the answer names the NUL rather than a pattern it broke.
    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _in_utc_calendar(cls, value: Any) -> Any:
        if _outside_utc_calendar(value):
            raise ValueError("must fall between years 1 and 9999 once converted to UTC")
        return value
