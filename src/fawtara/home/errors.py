"""The answers to errors on every path outside the dialects and the invoice link (`MAPPING`,
the fallback): the home 404 page, and FastAPI's plain JSON for the rest."""

from fawtara.error_mapping import ErrorMapping, plain
from fawtara.home.pages import not_found

MAPPING: ErrorMapping = plain("", not_found)
