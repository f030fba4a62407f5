-- sort=created_at follows the id (creation order; catalog.domain.SORT_KEY): the primary key
-- serves it, and imports stop paying for a (created_at, id) index.
DROP INDEX IF EXISTS products_created_order;
