"""What both dialects refuse in any text they are sent: NUL characters.

PostgreSQL cannot store U+0000 in a text column (SQLite can), so a NUL would otherwise fail
only on one backend, deep in a write, as a server error. It is refused up front instead, on
every backend alike, as the field's validation error.
"""

from typing import Any

from pydantic import BaseModel, GetJsonSchemaHandler, field_validator
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


class WireModel(BaseModel):
    """A request body or payload: no field may contain a NUL character, and its JSON Schema
    says so."""

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
