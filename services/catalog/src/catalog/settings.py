from pydantic_settings import BaseSettings, SettingsConfigDict


class CatalogSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore")

    port: int = 8002
    health_port: int = 9002
    # Batches applied at once by one consumer process (each on its own connection).
    batch_concurrency: int = 4
    pool_size: int = 6
    # How often the search indexer looks for products to index (catalog.search).
    search_poll_seconds: float = 1.0
    # An import of at least this many rows, more than a table holds, loads without that
    # table's read indexes and builds them afterwards (catalog.bulk_load).
    bulk_load_min_rows: int = 50_000
