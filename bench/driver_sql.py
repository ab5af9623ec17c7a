"""The read of one invoice (`fawtara.invoices.repository.view`'s statement) compiled to the
driver's SQL, for the research scripts that run it without SQLAlchemy (rungs.py,
postgres_read_cost.py)."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Dialect

from fawtara.invoices import repository


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    names: tuple[str, ...]  # parameter order, for positional paramstyles
    positional: bool

    def params(self, values: Mapping[str, int]) -> tuple[int, ...] | dict[str, int]:
        return tuple(values[n] for n in self.names) if self.positional else dict(values)


@cache
def one_invoice(dialect: Dialect) -> Compiled:
    compiled = repository.one_invoice_with_children(dialect.name).compile(dialect=dialect)
    return Compiled(str(compiled), tuple(compiled.positiontup or ()), bool(compiled.positional))
