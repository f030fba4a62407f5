-- Advanced after every committed write to products: readers that cache something derived
-- from the whole table (deep page boundaries, catalog.pages) know when it went stale.
CREATE SEQUENCE products_writes;
