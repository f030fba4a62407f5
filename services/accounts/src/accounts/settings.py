from pydantic_settings import BaseSettings, SettingsConfigDict


class AccountsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACCOUNTS_", extra="ignore")

    port: int = 8006
    health_port: int = 9006
    pool_size: int = 5
    #: A session ends after this long without a request, and this long after signing in whatever
    #: happens (the dashboard keeps an SSE stream open, which counts as use).
    session_idle_seconds: int = 2 * 3600
    session_absolute_seconds: int = 12 * 3600
    #: Failed sign-ins allowed per account and per client address, in a moving window.
    sign_in_failures_per_account: str = "5/15 minutes"
    sign_in_failures_per_address: str = "30/15 minutes"
    #: The first admin that `make run` creates when there is no user.
    first_admin_email: str = "admin@localhost"
    #: Audit entries older than this many days are deleted (0 keeps them for ever).
    audit_retention_days: int = 400
    #: Revoked keys and disabled users' expired sessions are kept this long for reference.
    revoked_key_retention_days: int = 90
