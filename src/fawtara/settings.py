"""Server configuration: one class, read from `FAWTARA_*` environment variables."""

from functools import cached_property
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_MASTER_KEY = "insecure-development-master-key-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAWTARA_", extra="ignore")

    env: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///fawtara.db"
    # A streaming replica of a PostgreSQL primary: reads of invoices and clients go there (see
    # fawtara.db for which, and when they stay on the primary).
    database_replica_url: str | None = None
    replica_read_after_write_seconds: float = Field(default=10.0, ge=0)
    base_url: str = "http://127.0.0.1:8000"
    master_key: str = Field(default=PLACEHOLDER_MASTER_KEY, repr=False)

    fatora_token_ttl_seconds: int = Field(default=86_400, gt=0)
    # Hesabe-style sessions: the access token's life is part of the wire (expires_in 900).
    hesabe_token_ttl_seconds: int = Field(default=900, gt=0)
    hesabe_refresh_ttl_seconds: int = Field(default=30 * 86_400, gt=0)
    bulk_upload_max_rows: int = Field(default=100_000, gt=0)
    # Failed sign-ins (login, Authorize) allowed per window, per account and per client address.
    throttle_account_failures: int = Field(default=10, gt=0)
    throttle_address_failures: int = Field(default=50, gt=0)
    throttle_window_seconds: int = Field(default=900, gt=0)
    # Request bodies: 413 above these (the bulk upload takes whole files).
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    bulk_upload_max_body_bytes: int = Field(default=64 * 1_048_576, gt=0)
    api_key_cache_seconds: float = Field(default=5.0, ge=0)
    # PDF rendering, per server process: processes that render, renders that may wait for one
    # (beyond: 503), how long a download waits for another's render, a renderer's lease.
    pdf_render_workers: int = Field(default=1, gt=0)
    pdf_render_queue: int = Field(default=4, ge=0)
    pdf_render_wait_seconds: float = Field(default=60.0, gt=0)
    pdf_render_lease_seconds: float = Field(default=120.0, gt=0)
    db_pool_size: int = Field(default=10, gt=0)
    db_max_overflow: int = Field(default=10, ge=0)
    log_level: str = "info"
    log_format: Literal["json", "text"] = "json"
    access_log: bool = True

    @model_validator(mode="after")
    def _refuse_placeholder_key_in_production(self) -> "Settings":
        if self.env != "development" and self.master_key == PLACEHOLDER_MASTER_KEY:
            raise ValueError("FAWTARA_MASTER_KEY must be set outside development")
        if len(self.master_key) < 16:
            raise ValueError("FAWTARA_MASTER_KEY must be at least 16 characters")
        return self

    @cached_property
    def public_base_url(self) -> str:
        return self.base_url.rstrip("/")
