"""Configuration: environment variables with the prefix ``WEBHOOKS_`` (see docs/webhooks.md)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Seconds to wait before retry 1, 2, ... (after the first attempt): 5 s, 5 min, 30 min, 2 h,
# 5 h, 10 h, 10 h: eight attempts over about 27.5 hours (the Standard Webhooks / Svix schedule).
DEFAULT_RETRY_SCHEDULE = "5,300,1800,7200,18000,36000,36000"


class WebhooksSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEBHOOKS_", extra="ignore")

    port: int = 8004
    health_port: int = 9004  # the bus consumer
    dispatch_health_port: int = 9005  # the delivery workers
    pool_size: int = 10
    # Off: URLs resolving to loopback, private, link-local, ... addresses are refused.
    allow_private_networks: bool = False
    # Comma-separated seconds between attempts; its length is the number of retries.
    retry_schedule: str = DEFAULT_RETRY_SCHEDULE
    # Each wait is multiplied by a random factor in [1 - jitter, 1 + jitter].
    retry_jitter: float = 0.2
    connect_timeout: float = 5.0
    # Whole attempt (DNS, connect, send, response headers and the excerpt), in seconds.
    timeout: float = 15.0
    # Bytes of a response body read (and stored as its excerpt); the rest is never read.
    max_response_bytes: int = 2048
    # Deliveries in flight at once in one dispatcher process, and at most this many per endpoint.
    # Measured: more workers made it slower (httpcore scans its whole pool on every request).
    # (so one slow endpoint cannot take every worker).
    workers: int = 24
    max_in_flight_per_endpoint: int = 12
    # An endpoint whose every attempt failed for this long is disabled (default 5 days).
    auto_disable_after_seconds: float = 5 * 24 * 3600
    # After a secret rotation the old secret also signs (a second signature) for this long.
    secret_rotation_grace_seconds: float = 24 * 3600
    # Comma-separated Fernet keys, newest first, that the endpoints' signing secrets are stored
    # encrypted with (webhooks.secretbox): the first encrypts, all decrypt. No default: the API
    # and the dispatcher refuse to start without one.
    secret_keys: SecretStr = SecretStr("")
    # Test pings (POST /webhooks/{id}/test) a principal may send a minute, over every replica
    # (Redis): a ping is a request to a URL of the caller's choosing, sent at once.
    test_pings_per_minute: int = Field(10, ge=1)
    # CPU priority of the consumer and dispatcher processes: SCHED_IDLE (Linux) runs them only
    # when nothing else wants the CPU, so deliveries give way to the APIs people wait on; without
    # it (false, or not Linux) they run at this nice(1) value (0: the default priority).
    sched_idle: bool = True
    nice: int = 10
    # While processes other than background ones (SCHED_IDLE or niced) use more than this fraction
    # of all CPUs, the consumer and the dispatcher start nothing new for busy_pause seconds, then
    # busy_rate events / deliveries a second (webhooks.foreground). 1 turns this off.
    yield_above_cpu: float = Field(0.5, gt=0)
    busy_pause_seconds: float = Field(10.0, ge=0)
    busy_rate: float = Field(20.0, ge=1)
    # While sends are in flight, the workers freed within this many seconds are refilled by one
    # claim: fewer, larger statements when the machine is busy; at most this much later.
    claim_gather_seconds: float = 0.02
    # Successful attempts finishing within this many seconds are recorded by one statement.
    record_gather_seconds: float = 0.05
    # Safety-net poll of the deliveries table (NOTIFY wakes the workers at once).
    poll_seconds: float = 2.0
    # A claimed delivery is leased for timeout + this margin; a dispatcher killed mid-send
    # leaves it to be picked up again once the lease ends.
    lease_margin_seconds: float = 10.0

    @field_validator("retry_schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        delays = [float(part) for part in value.split(",") if part.strip()]
        if any(d < 0 for d in delays):
            raise ValueError("retry delays must be >= 0")
        return ",".join(str(d) for d in delays)

    @property
    def retry_delays(self) -> tuple[float, ...]:
        return tuple(float(part) for part in self.retry_schedule.split(",") if part)

    @property
    def lease_seconds(self) -> float:
        return self.timeout + self.lease_margin_seconds
