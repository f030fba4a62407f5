from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IMPORT_WORKER_", extra="ignore")

    health_port: int = 8005
    batch_size: int = 5000          # rows per catalog.upsert_batch command
    batches_in_flight: int = 4      # batches built ahead of the publisher (bounds memory)
    progress_interval: float = 0.4  # seconds between import.progress events
