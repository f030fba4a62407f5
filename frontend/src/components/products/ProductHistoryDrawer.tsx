import { Anchor, Badge, Button, Card, Drawer, Group, Stack, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { productHistory, productKeys, type HistoryEntry, type Product } from '../../api/catalogClient';
import { principalLabel } from '../../lib/principal';
import classes from './products.module.css';
import { LoadError, Loading } from '../LoadStates';

const PAGE = 50;
const FIELD_ORDER = ['sku', 'name', 'description', 'price', 'active'];
const FIELD_LABEL: Record<string, string> = { sku: 'SKU', name: 'Name', description: 'Description', price: 'Price', active: 'Active' };
const ACTION_COLOR: Record<HistoryEntry['action'], string> = { created: 'green', updated: 'blue', deleted: 'red' };
const ACTION_LABEL: Record<HistoryEntry['action'], string> = { created: 'Created', updated: 'Updated', deleted: 'Deleted' };

/** With seconds: several changes often fall in the same minute. */
function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

function byFieldOrder(a: string, b: string) {
  const ia = FIELD_ORDER.indexOf(a);
  const ib = FIELD_ORDER.indexOf(b);
  return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib) || a.localeCompare(b);
}

function Value({ value }: { value: unknown }) {
  if (value === null || value === undefined || value === '') {
    return (
      <Text span c="dimmed" fs="italic">
        empty
      </Text>
    );
  }
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return (
    <Text span fw={500} style={{ wordBreak: 'break-word' }} title={text.length > 160 ? text.slice(0, 2000) : undefined}>
      {text.length > 160 ? `${text.slice(0, 160)}…` : text}
    </Text>
  );
}

function isChange(value: unknown): value is { old?: unknown; new?: unknown } {
  return !!value && typeof value === 'object' && ('old' in value || 'new' in value);
}

function Changes({ entry }: { entry: HistoryEntry }) {
  const changes = entry.changes ?? {};
  if (entry.action === 'deleted' && changes.bulk_delete) {
    return <Text size="sm">Deleted with every other product (bulk delete).</Text>;
  }
  const fields = Object.keys(changes).sort(byFieldOrder);
  if (fields.length === 0) return null;
  return (
    <Stack component="ul" gap={4} m={0} p={0} style={{ listStyle: 'none' }}>
      {fields.map((field) => {
        const value = changes[field];
        const label = FIELD_LABEL[field] ?? field;
        return (
          <Text component="li" size="sm" key={field}>
            <Text span c="dimmed">
              {label}:
            </Text>{' '}
            {entry.action === 'updated' && isChange(value) ? (
              <>
                <Value value={value.old} />
                <span aria-hidden> → </span>
                <span className="visually-hidden"> changed to </span>
                <Value value={value.new} />
              </>
            ) : (
              <Value value={value} />
            )}
          </Text>
        );
      })}
    </Stack>
  );
}

/**
 * Who made the change, and how: "by ops@example.com", "by key ci-nightly"; for an import row,
 * who started the import and a link to it ("by ops@example.com via Import 1a2b3c4d, row 3").
 * Changes from before identities existed have no actor: "by API" / "by Import …" as they did.
 */
function Source({ entry }: { entry: HistoryEntry }) {
  const who = principalLabel(entry.actor);
  const importLink =
    entry.source === 'import' && entry.job_id ? (
      <Anchor component={Link} to={`/imports#job-${entry.job_id}`} size="sm">
        Import {entry.job_id.slice(0, 8)}
        {entry.row_no != null ? `, row ${entry.row_no}` : ''}
      </Anchor>
    ) : null;
  if (!who) {
    return importLink ?? (
      <Text span size="sm">
        {entry.source === 'import' ? 'Import' : 'API'}
      </Text>
    );
  }
  return (
    <>
      <Text span size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
        {who}
      </Text>
      {importLink && (
        <>
          <Text span size="sm" c="dimmed">
            via
          </Text>
          {importLink}
        </>
      )}
    </>
  );
}

interface Props {
  opened: boolean;
  product: Product | null;
  onClose: () => void;
}

/** Every change of a product, newest first; 50 at a time. */
export function ProductHistoryDrawer({ opened, product, onClose }: Props) {
  const narrow = useMediaQuery('(max-width: 36em)');
  const id = product?.id ?? 0;
  const history = useInfiniteQuery({
    queryKey: productKeys.history(id),
    queryFn: ({ pageParam, signal }) => productHistory(id, pageParam, PAGE, signal),
    initialPageParam: 0,
    getNextPageParam: (last) => (last.items.length === last.limit ? last.offset + last.limit : undefined),
    enabled: opened && product !== null,
    staleTime: 0,
  });
  const entries = history.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <Drawer
      className={classes.scope}
      classNames={{ title: classes.title }}
      opened={opened}
      onClose={onClose}
      position="right"
      size={narrow ? '100%' : 'lg'}
      title={product ? `History of ${product.sku}` : 'History'}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      {product && (
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {product.name} · every change, newest first.
          </Text>
          {history.isPending ? (
            <Loading label="Loading the history" />
          ) : history.isError ? (
            <LoadError title="Could not load the history" message={history.error.message} onRetry={() => history.refetch()} retrying={history.isFetching} />
          ) : (
            <Stack component="ol" gap="sm" m={0} p={0} style={{ listStyle: 'none' }} aria-label={`Changes of ${product.sku}`}>
              {entries.map((entry) => (
                <Card component="li" key={entry.id} withBorder padding="sm" radius="md">
                  <Group justify="space-between" gap="xs" mb={6} wrap="wrap">
                    <Group gap="xs">
                      <Badge color={ACTION_COLOR[entry.action]} variant="light" radius="sm">
                        {ACTION_LABEL[entry.action]}
                      </Badge>
                      <Text size="sm" component="time" dateTime={entry.at}>
                        {formatTime(entry.at)}
                      </Text>
                    </Group>
                    <Group gap={4}>
                      <Text size="sm" c="dimmed">
                        by
                      </Text>
                      <Source entry={entry} />
                    </Group>
                  </Group>
                  <Changes entry={entry} />
                </Card>
              ))}
            </Stack>
          )}
          {history.hasNextPage && (
            <Button variant="light" onClick={() => history.fetchNextPage()} loading={history.isFetchingNextPage}>
              Show older changes
            </Button>
          )}
        </Stack>
      )}
    </Drawer>
  );
}
