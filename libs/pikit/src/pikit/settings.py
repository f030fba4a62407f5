"""Settings shared by every service: infrastructure URLs, read from unprefixed env vars."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class InfraSettings(BaseSettings):
    """DATABASE_URL, AMQP_URL, REDIS_URL, STORAGE_DIR, BUS_NAMESPACE, LOG_LEVEL."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = "postgresql://postgres@127.0.0.1:5432/product_importer"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    redis_url: str = "redis://127.0.0.1:6379/0"
    storage_dir: str = ".var/storage"
    bus_namespace: str = "pi"
    log_level: str = "info"
