"""Settings shared by every service: infrastructure URLs, read from unprefixed env vars."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class InfraSettings(BaseSettings):
    """DATABASE_URL, AMQP_URL, REDIS_URL, STORAGE_DIR, BUS_NAMESPACE, LOG_LEVEL, BIND_HOST, PRINCIPAL_SIGNING_KEY."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = "postgresql://postgres@127.0.0.1:5432/product_importer"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    redis_url: str = "redis://127.0.0.1:6379/0"
    storage_dir: str = ".var/storage"
    bus_namespace: str = "pi"
    log_level: str = "info"
    #: Where every service process listens. Loopback locally: only the edge listens beyond it.
    #: In Compose and Kubernetes, 0.0.0.0 on the private network (nothing but the edge published).
    bind_host: str = "127.0.0.1"
    #: The key the accounts service signs principals with and every service verifies them with.
    principal_signing_key: str = ""
    #: Where people reach the dashboard (scheme://host[:port]). Browsers' state-changing requests
    #: must come from it or from the host they were sent to; https makes the session cookie Secure.
    public_origin: str = "http://localhost:8080"
