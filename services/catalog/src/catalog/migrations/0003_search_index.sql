-- The text-search index moves out of products into a table of its own, maintained after
-- the writes by the indexer (catalog.search): keeping a trigram index on products inside
-- every import batch made importing 3-4x slower. See docs/catalog-api.md, "Search".
DROP INDEX IF EXISTS products_search_trgm;

CREATE TABLE product_search (
    product_id bigint PRIMARY KEY,
    document   text NOT NULL  -- lower(concat_ws(' ', sku, name, description))
);
CREATE INDEX product_search_trgm ON product_search USING gin (document public.gin_trgm_ops);

-- Products whose document may be stale (written since it was indexed, or deleted): one row
-- per writing transaction, holding the ids it wrote (an import batch's 5,000 in one row is
-- far cheaper than 5,000 rows with an index).
CREATE TABLE search_pending (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_ids bigint[] NOT NULL
);
INSERT INTO search_pending (product_ids) SELECT array_agg(id) FROM products HAVING count(*) > 0;
