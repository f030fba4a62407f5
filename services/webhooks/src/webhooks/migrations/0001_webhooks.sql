-- Webhook endpoints, their deliveries (one per event and endpoint) and every attempt.
CREATE TABLE endpoints (
    id              uuid PRIMARY KEY,
    url             text NOT NULL,
    description     text NOT NULL DEFAULT '',
    events          text[] NOT NULL,
    enabled         boolean NOT NULL DEFAULT true,
    disabled_reason text,
    secret          text NOT NULL,
    -- after a rotation the old secret also signs until this time (receivers switch over)
    previous_secret text,
    previous_secret_expires_at timestamptz,
    -- first failed attempt of the current run of failures (NULL after a success)
    failing_since   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- id = md5(event_id || '/' || endpoint_id)::uuid: one delivery per event and endpoint, and the
-- webhook-id header ("msg_" + hex of id) is the same on every attempt.
CREATE TABLE deliveries (
    id               uuid PRIMARY KEY,
    endpoint_id      uuid NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    event_id         text NOT NULL,
    event_type       text NOT NULL,
    payload          text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    -- attempts made before the current round (a re-send starts a new round of the schedule)
    round_start      integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_attempt_at  timestamptz,
    last_status_code integer,
    last_latency_ms  integer,
    last_error       text,
    last_response_excerpt text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
CREATE INDEX deliveries_due ON deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_log ON deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX deliveries_last_attempt ON deliveries (endpoint_id, last_attempt_at DESC NULLS LAST);

CREATE TABLE delivery_attempts (
    delivery_id      uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt          integer NOT NULL,
    attempted_at     timestamptz NOT NULL DEFAULT now(),
    status_code      integer,
    latency_ms       integer NOT NULL,
    response_excerpt text,
    error            text,
    success          boolean NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
