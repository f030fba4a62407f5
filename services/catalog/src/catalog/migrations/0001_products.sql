CREATE TABLE products (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku         text NOT NULL,
    name        text NOT NULL,
    description text,
    price       numeric CHECK (price >= 0),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1
);
-- SKUs are unique without regard to case; the stored spelling is the latest one written.
CREATE UNIQUE INDEX products_sku_key ON products (lower(sku));

-- Every change of a product, kept after the product is deleted (no foreign key).
CREATE TABLE product_history (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id bigint NOT NULL,
    sku        text NOT NULL,
    action     text NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
    changes    jsonb,
    source     text NOT NULL CHECK (source IN ('import', 'api')),
    job_id     uuid,
    row_no     integer,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_history_product ON product_history (product_id, id DESC);

-- One row per applied import batch: a redelivered batch finds its marker and does nothing.
CREATE TABLE applied_batches (
    job_id     uuid NOT NULL,
    batch_no   integer NOT NULL,
    rows       integer NOT NULL,
    inserted   integer NOT NULL,
    updated    integer NOT NULL,
    skipped    boolean NOT NULL DEFAULT false,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, batch_no)
);

-- Jobs cancelled by their owner: batches still queued for them are skipped.
CREATE TABLE cancelled_jobs (
    job_id       uuid PRIMARY KEY,
    cancelled_at timestamptz NOT NULL DEFAULT now()
);
