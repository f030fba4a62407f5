from pydantic_settings import BaseSettings, SettingsConfigDict


class UploadSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UPLOAD_", extra="ignore")

    port: int = 8001
    health_port: int = 9001
    max_bytes: int = 512 * 1024 * 1024  # size limit of one uploaded file (as received)
    pool_size: int = 5
    #: Uploads one principal may start, in a moving window ("limits" notation); 429 beyond.
    uploads_rate: str = "30/minute"
