"""The invoice link's answers to errors (`MAPPING`, for `/i` and every path under it): the
link's 404 page for a link that leads to no invoice, and the plain answers for the rest."""

from dataclasses import replace

from fastapi import Request
from starlette.responses import Response

from fawtara.error_mapping import ErrorMapping, plain
from fawtara.errors import FawtaraError, NotFound
from fawtara.hosted.routes import not_found

_PLAIN = plain("/i", lambda _request: not_found())


def _domain(request: Request, exc: FawtaraError) -> Response:
    # An unknown, renewed or deleted invoice's token: the same page as a token of no shape.
    return not_found() if isinstance(exc, NotFound) else _PLAIN.domain(request, exc)


MAPPING: ErrorMapping = replace(_PLAIN, domain=_domain)
