-- The text-search index moves out of products into a table of its own, maintained after
-- the writes by the indexer (catalog.search): keeping a trigram index on products inside
-- every import batch made importing 3-4x slower. See docs/catalog-api.md, "Search".
DROP INDEX IF EXISTS products_search_trgm;

CREATE TABLE product_search (
    product_id bigint PRIMARY KEY,
    document   text NOT NULL  -- lower(concat_ws(' ', sku, name, description))
);
CREATE INDEX product_search_trgm ON product_search USING gin (document public.gin_trgm_ops);

-- Products whose document may be stale (written since it was indexed, or deleted).
CREATE TABLE search_pending (
    product_id bigint PRIMARY KEY
);
INSERT INTO search_pending (product_id) SELECT id FROM products;
