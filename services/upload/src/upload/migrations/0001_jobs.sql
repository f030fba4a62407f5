-- The event stream of every import job: the source of truth.
CREATE TABLE job_events (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      uuid NOT NULL,
    event_id    text NOT NULL UNIQUE,   -- also the inbox: a redelivered event is recorded once
    type        text NOT NULL,
    source      text NOT NULL,
    data        jsonb NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_events_job ON job_events (job_id, seq);

-- The fold of each stream, kept current in the same transaction (a projection for reads).
CREATE TABLE jobs (
    id          uuid PRIMARY KEY,
    filename    text NOT NULL,
    storage_key text NOT NULL,
    size_bytes  bigint NOT NULL,
    sha256      text NOT NULL,
    status      text NOT NULL,
    state       jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_newest ON jobs (created_at DESC, id DESC);
