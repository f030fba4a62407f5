import { Alert, Anchor, Button, Card, Group, Loader, NativeSelect, Stack, Text, Title } from '@mantine/core';
import { IconDownload, IconFileImport, IconFilterOff, IconLock, IconPackage, IconPlus, IconTrash } from '@tabler/icons-react';
import { useMediaQuery } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState, type ComponentProps, type ReactNode } from 'react';
import { Link } from 'react-router';
import { exportCsvUrl, listProducts, productKeys, type Product, type ProductList, type ProductSort, type SortOrder } from '../api/catalogClient';
import { useRefusal } from '../auth/session';
import { MaybeRefused, Refused } from '../components/auth/Refused';
import { BulkDeleteModal } from '../components/products/BulkDeleteModal';
import { DeleteProductModal } from '../components/products/DeleteProductModal';
import { ProductFilters } from '../components/products/ProductFilters';
import { ProductFormModal } from '../components/products/ProductFormModal';
import { ProductHistoryDrawer } from '../components/products/ProductHistoryDrawer';
import { ProductCards, ProductsTable } from '../components/products/ProductsTable';
import classes from '../components/products/products.module.css';
import { FIRST_ORDER, PAGE_SIZES, hasFilters, listQuery, useProductsView } from '../components/products/productsView';
import { formatCount } from '../lib/format';
import { usePageTitle } from '../lib/usePageTitle';
import { LoadError } from '../components/LoadStates';
import { PagePicker } from '../components/PagePicker';

/** `product` stays set while a modal closes, so that its content does not change during the transition. */
interface Target {
  open: boolean;
  product: Product | null;
}
const CLOSED: Target = { open: false, product: null };

/**
 * "1,234 products", "about 500,000 products" when the API estimated it, or "more than 250
 * products" when the estimate is below what the pages already show (a description filter is
 * estimated by the planner, which can be far off).
 */
export function totalText(list: ProductList): string {
  const noun = list.total === 1 ? 'product' : 'products';
  const seen = (list.offset ?? 0) + list.items.length;
  if (list.total_is_estimate && list.next_cursor !== null && list.total <= seen) {
    return `more than ${formatCount(seen)} products`;
  }
  return `${list.total_is_estimate ? 'about ' : ''}${formatCount(list.total)} ${noun}`;
}

function pageText(list: ProductList, page: number, pages: number): string {
  const shown = formatCount(Math.min(page, pages));
  if (!list.total_is_estimate) return `page ${shown} of ${formatCount(pages)}`;
  if (list.total <= (list.offset ?? 0) + list.items.length) return `page ${shown}`;
  return `page ${shown} of about ${formatCount(pages)}`;
}

/** Pages to offer: from the total, and at least one more while the API says there is a next page. */
export function pageCount(list: ProductList, page: number, limit: number): number {
  return Math.max(1, Math.ceil(list.total / limit), list.next_cursor !== null ? page + 1 : 1);
}

function EmptyCard({ icon, title, children }: { icon: ReactNode; title: string; children: ReactNode }) {
  return (
    <Card withBorder radius="md" padding="xl">
      <Stack align="center" gap="sm" py="lg">
        {icon}
        <Text fw={500}>{title}</Text>
        {children}
      </Stack>
    </Card>
  );
}

export function ProductsPage() {
  usePageTitle('Products');
  const [view, update] = useProductsView();
  const query = useMemo(() => listQuery(view), [view]);
  const list = useQuery({
    queryKey: productKeys.list(query),
    queryFn: ({ signal }) => listProducts(query, signal),
    // The previous page stays on screen while the next one loads: no flash of an empty table.
    placeholderData: keepPreviousData,
  });
  const countLine = useRef<HTMLDivElement>(null);
  const [form, setForm] = useState<Target>(CLOSED);
  const [deleting, setDeleting] = useState<Target>(CLOSED);
  const [historyOf, setHistoryOf] = useState<Target>(CLOSED);
  const [bulkOpen, setBulkOpen] = useState(false);
  // What the signed-in role may not do: the controls stay, disabled, with the reason.
  const changeRefused = useRefusal('changeProducts');
  const importRefused = useRefusal('import');
  const exportRefused = useRefusal('export');
  const deleteAllRefused = useRefusal('deleteAll');

  const filtered = hasFilters(view);
  const clearFilters = useCallback(
    () => update({ sku: '', name: '', description: '', active: 'all' }),
    [update],
  );
  const onSort = useCallback(
    (key: ProductSort, order?: SortOrder) =>
      update({
        sort: key,
        order: order ?? (view.sort === key ? (view.order === 'asc' ? 'desc' : 'asc') : FIRST_ORDER[key]),
      }),
    [update, view.sort, view.order],
  );
  // Below Mantine's sm breakpoint (where the navigation collapses too): cards instead of a wide table.
  const narrow = useMediaQuery('(max-width: 47.99em)');

  const data = list.data;
  const pages = data ? pageCount(data, view.page, view.limit) : 1;
  // The list shrank under this page (its last product deleted, here or elsewhere): with an exact
  // total, show the page that is now the last one instead of an empty page.
  const lastPage = data && !data.total_is_estimate && data.total > 0 ? Math.ceil(data.total / view.limit) : null;
  const pastTheEnd = !!data && data.items.length === 0 && !list.isPlaceholderData;
  useEffect(() => {
    if (pastTheEnd && lastPage !== null && view.page > lastPage) update({ page: lastPage }, { replace: true });
  }, [pastTheEnd, lastPage, view.page, update]);
  const catalogEmpty = !!data && data.total === 0 && !filtered && !list.isPlaceholderData;

  let content: ReactNode;
  if (list.isError) {
    content = (
      <LoadError title="Could not load the products" message={list.error.message} onRetry={() => list.refetch()} retrying={list.isFetching} />
    );
  } else if (catalogEmpty) {
    content = (
      <EmptyCard icon={<IconPackage size={40} stroke={1.5} color="var(--mantine-color-dimmed)" aria-hidden />} title="No products yet">
        <Text size="sm" c="dimmed" ta="center" maw={440}>
          Import a CSV file to fill the catalog, or add a product by hand.
        </Text>
        <Group gap="sm" justify="center">
          {importRefused ? (
            <Refused reason={importRefused}>
              <Button leftSection={<IconFileImport size={16} aria-hidden />}>Import a file</Button>
            </Refused>
          ) : (
            <Button component={Link} to="/" leftSection={<IconFileImport size={16} aria-hidden />}>
              Import a file
            </Button>
          )}
          <MaybeRefused refusal={changeRefused}>
            <Button variant="light" leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setForm({ open: true, product: null })}>
              New product
            </Button>
          </MaybeRefused>
        </Group>
      </EmptyCard>
    );
  } else if (data && data.total === 0 && !list.isPlaceholderData) {
    content = (
      <EmptyCard icon={<IconFilterOff size={40} stroke={1.5} color="var(--mantine-color-dimmed)" aria-hidden />} title="No products match these filters">
        <Button variant="light" onClick={clearFilters}>
          Clear filters
        </Button>
      </EmptyCard>
    );
  } else if (data && data.items.length === 0 && !list.isPlaceholderData) {
    // An estimated total can promise more pages than there are.
    content = (
      <EmptyCard icon={<IconPackage size={40} stroke={1.5} color="var(--mantine-color-dimmed)" aria-hidden />} title={`Page ${formatCount(view.page)} is past the end of the list`}>
        <Button variant="light" onClick={() => update({ page: 1 })}>
          Go to the first page
        </Button>
      </EmptyCard>
    );
  } else {
    const caption = data
      ? `${totalText(data)}, ${pageText(data, view.page, pages)}`
      : 'Loading products';
    const listingProps: ComponentProps<typeof ProductsTable> = {
      products: data?.items,
      skeletonRows: Math.min(view.limit, 10),
      stale: list.isPlaceholderData,
      caption,
      sort: view.sort,
      order: view.order,
      onSort,
      onEdit: (product) => setForm({ open: true, product }),
      onDelete: (product) => setDeleting({ open: true, product }),
      onHistory: (product) => setHistoryOf({ open: true, product }),
      refusal: changeRefused,
    };
    content = (
      <Stack gap="xs">
        {!narrow ? (
          <Card withBorder radius="md" padding={0}>
            <ProductsTable {...listingProps} />
          </Card>
        ) : (
          <ProductCards {...listingProps} />
        )}
        <Group justify="space-between" gap="sm" mt="xs" wrap="wrap">
          <NativeSelect
            label="Rows per page"
            size="xs"
            value={String(view.limit)}
            onChange={(event) => update({ limit: Number(event.currentTarget.value) })}
            data={PAGE_SIZES.map((n) => String(n))}
            w={110}
          />
          {pages > 1 && (
            <PagePicker
              total={pages}
              value={Math.min(view.page, pages)}
              onChange={(page) => {
                update({ page });
                // The pagination is below the list: bring the new page's first rows into view.
                countLine.current?.scrollIntoView({ block: 'start' });
              }}
              siblings={narrow ? 0 : 1}
              boundaries={1}
              size="sm"
            />
          )}
        </Group>
      </Stack>
    );
  }

  return (
    <Stack gap="lg" className={classes.scope}>
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <div>
          <Title order={1}>Products</Title>
          <Text c="dimmed">The catalog: find, edit and delete products, and see every change.</Text>
        </div>
        <Group gap="sm">
          {!catalogEmpty && (
            <MaybeRefused refusal={deleteAllRefused}>
              <Button
                variant="default"
                leftSection={<IconTrash size={16} color={deleteAllRefused ? undefined : 'var(--mantine-color-red-7)'} aria-hidden />}
                onClick={() => setBulkOpen(true)}
              >
                Delete all…
              </Button>
            </MaybeRefused>
          )}
          <MaybeRefused refusal={changeRefused}>
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setForm({ open: true, product: null })}>
              New product
            </Button>
          </MaybeRefused>
        </Group>
      </Group>

      {changeRefused && (
        <Alert color="gray" variant="light" icon={<IconLock aria-hidden />} title="Read only">
          {changeRefused} You can browse the catalog and each product's history.
        </Alert>
      )}

      {!catalogEmpty && (
        <ProductFilters view={view} onChange={update} onClear={clearFilters} filtered={filtered} />
      )}

      {!catalogEmpty && !list.isError && (
        <Group ref={countLine} justify="space-between" gap="xs" mb={-8} wrap="wrap" style={{ scrollMarginTop: 72 }}>
          {/* Announced politely, so that a screen reader hears what a filter found. */}
          <Group gap="xs" role="status" aria-live="polite" aria-label="Products found">
            <Text size="sm" fw={500}>
              {data ? totalText(data) : 'Loading products…'}
            </Text>
            {data && pages > 1 && (
              <Text size="sm" c="dimmed">
                · {pageText(data, view.page, pages)}
              </Text>
            )}
            {/* Decorative: the list's aria-busy tells assistive technology (a label on this span is not allowed, axe). */}
            {list.isFetching && data && <Loader size={14} aria-hidden />}
          </Group>
          {data && data.total > 0 && !exportRefused && (
            <Anchor href={exportCsvUrl(query)} download size="sm">
              <Group gap={4} component="span" wrap="nowrap">
                <IconDownload size={14} aria-hidden />
                Export {filtered ? 'matching products' : 'all'} as CSV
              </Group>
            </Anchor>
          )}
          {data && data.total > 0 && exportRefused && (
            <Refused reason={exportRefused}>
              <Button variant="subtle" size="compact-sm" leftSection={<IconDownload size={14} aria-hidden />}>
                Export {filtered ? 'matching products' : 'all'} as CSV
              </Button>
            </Refused>
          )}
        </Group>
      )}

      {content}

      <ProductFormModal opened={form.open} product={form.product} onClose={() => setForm((f) => ({ ...f, open: false }))} />
      <DeleteProductModal
        opened={deleting.open}
        product={deleting.product}
        onClose={() => setDeleting((d) => ({ ...d, open: false }))}
      />
      <ProductHistoryDrawer
        opened={historyOf.open}
        product={historyOf.product}
        onClose={() => setHistoryOf((h) => ({ ...h, open: false }))}
      />
      <BulkDeleteModal opened={bulkOpen} onClose={() => setBulkOpen(false)} />
    </Stack>
  );
}
