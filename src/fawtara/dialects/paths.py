"""Path parameters with a shape: a route takes a path only when its parameters have theirs.

Without one, `/api/v1/invoice/{token}` takes any segment, so Hesabe's own routes that Fawtara
does not offer (`/api/v1/invoice/resend`, `…/split`, `…/emi`) would look like a method refused
by it (405) instead of what they are here: no route (404). Registered with Starlette as
`{name:record_id}` and `{name:link_token}`; the OpenAPI document states the same patterns.
"""

from typing import Annotated

from fastapi import Path
from starlette.convertors import Convertor, register_url_convertor

from fawtara.invoices.service import LINK_TOKEN_PATTERN

RECORD_ID_PATTERN = "[0-9]+"


class _Shaped(Convertor[str]):
    """A segment of a shape, kept as text (the route says what else it must be)."""

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class RecordIdConvertor(_Shaped):
    regex = RECORD_ID_PATTERN


class LinkTokenConvertor(_Shaped):
    regex = LINK_TOKEN_PATTERN


register_url_convertor("record_id", RecordIdConvertor())
register_url_convertor("link_token", LinkTokenConvertor())

RecordId = Annotated[str, Path(pattern=f"^{RECORD_ID_PATTERN}$", description="A record's id")]
LinkToken = Annotated[
    str, Path(pattern=f"^{LINK_TOKEN_PATTERN}$", description="The invoice's link token")
]
