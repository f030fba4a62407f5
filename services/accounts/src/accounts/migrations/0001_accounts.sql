-- People who sign in on the dashboard. Emails are unique without regard to case.
CREATE TABLE users (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email                text NOT NULL,
    role                 text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    password_hash        text NOT NULL,          -- argon2id (argon2-cffi), never the password
    must_change_password boolean NOT NULL DEFAULT true,
    disabled             boolean NOT NULL DEFAULT false,
    created_by           text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at      timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- A signed-in browser. The cookie holds a random token; only its SHA-256 is kept here (a token
-- has 256 random bits, so a fast hash is enough: nothing to guess, unlike a password).
CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),  -- idle expiry counts from here
    expires_at   timestamptz NOT NULL,                -- absolute expiry
    user_agent   text,
    ip           text
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Keys for scripts (Authorization: Bearer <key>), stored as SHA-256 of the key like session tokens.
CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    prefix       text NOT NULL,                       -- the first characters, shown to recognise it
    key_hash     bytea NOT NULL UNIQUE,
    created_by   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    revoked_by   text
);

-- Who did what: changes to users and keys (written with the change), and the audit-worthy events
-- of other services (bulk deletes, webhook and secret changes), recorded once per event id.
CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id       text NOT NULL UNIQUE,
    at             timestamptz NOT NULL,
    actor          text,                 -- user:ops@example.com, key:ci-nightly, system:cli
    action         text NOT NULL,        -- the event type: user.created, webhook.deleted, ...
    target         text,                 -- what it was done to, in words
    details        jsonb NOT NULL,
    source         text NOT NULL,        -- the service that did it
    correlation_id text
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, id DESC);
