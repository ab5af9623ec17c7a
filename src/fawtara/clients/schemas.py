"""Dialect-free client shapes."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClientFields:
    """The writable fields of a client; on update, None means "leave as it is"."""

    name: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class ClientView:
    id: int
    name: str
    address: str | None
    phone: str | None
    email: str | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class ClientPage:
    clients: list[ClientView]
    total: int
    page: int
    page_size: int
