-- The search document splits in two, each with its own trigram index: `label` (sku and name,
-- short) and `description`. In one document, the descriptions' common trigrams made every
-- search walk long posting lists: a two-word name search read the GIN for ~12 ms at 500,000
-- products, ~5 ms on the label alone (see docs/catalog-api.md, "Search").
-- The indexer (catalog.search) rebuilds the table in bulk, since every product is pending
-- again; searches stay exact meanwhile (they check pending products' own columns).
DROP TABLE product_search;
CREATE TABLE product_search (
    product_id  bigint PRIMARY KEY,
    label       text NOT NULL,  -- lower(concat_ws(E'\x1f', sku, name))
    description text            -- lower(description)
);
CREATE INDEX product_search_label_trgm ON product_search USING gin (label public.gin_trgm_ops);
CREATE INDEX product_search_description_trgm ON product_search USING gin (description public.gin_trgm_ops);
INSERT INTO search_pending (product_ids) SELECT array_agg(id) FROM products HAVING count(*) > 0;
