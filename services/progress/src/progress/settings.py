from pydantic_settings import BaseSettings, SettingsConfigDict


class ProgressSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROGRESS_", extra="ignore")

    port: int = 8003
    health_port: int = 9003
    # SSE heartbeat (a comment line) interval, seconds.
    ping_seconds: float = 15
    # A client re-reads Redis at least this often even without a wake-up from the reader.
    poll_seconds: float = 5
    # How long the stream reader blocks in one XREAD, milliseconds.
    read_block_ms: int = 5000
    # A stream for a job nobody has heard of ends after this long (the browser then
    # reconnects and waits again); a job that shows up in the meantime is followed.
    unknown_job_wait_seconds: float = 600
    # Snapshots, per-job streams and the job index live this long after their last change.
    ttl_seconds: int = 7 * 24 * 3600
    job_stream_maxlen: int = 1000
    global_stream_maxlen: int = 10_000
    jobs_index_size: int = 1000
    # Jobs in the first event of GET /progress/imports (the dashboard list), by default.
    dashboard_jobs: int = 50
    redis_pool_size: int = 50
    # Messages the consumer handles at once.
    prefetch: int = 50
