-- Transactional outbox: rows written in the same transaction as the change they announce.
CREATE TABLE outbox (
    seq         bigserial PRIMARY KEY,
    event_id    text NOT NULL UNIQUE,
    routing_key text NOT NULL,
    body        bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Inbox: a message id seen by a consumer; written with the handler's effects.
CREATE TABLE inbox (
    consumer   text NOT NULL,
    message_id text NOT NULL,
    seen_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);
