import { ActionIcon, Badge, Button, Card, Group, NativeSelect, Skeleton, Stack, Table, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconArrowsSort, IconEdit, IconHistory, IconTrash } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import type { Product, ProductSort, SortOrder } from '../../api/catalogClient';
import { MaybeRefused, Refused } from '../auth/Refused';
import { formatDateTime } from '../../lib/format';
import classes from './ProductsTable.module.css';

interface SortProps {
  sort: ProductSort;
  order: SortOrder;
  onSort: (key: ProductSort, order?: SortOrder) => void;
}

interface Props extends SortProps {
  products: Product[] | undefined;
  /** Rows of skeleton while the first page loads. */
  skeletonRows: number;
  /** A newer page is on its way (the rows shown are the previous one). */
  stale: boolean;
  caption: string;
  onEdit: (product: Product) => void;
  onDelete: (product: Product) => void;
  onHistory: (product: Product) => void;
  /** Why the signed-in role may not edit or delete (the buttons stay, disabled, with it); null: it may. */
  refusal: string | null;
}

/** Today's changes by their time, older ones by their date; the full time in the tooltip. */
function When({ iso }: { iso: string }) {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  const text = today
    ? date.toLocaleTimeString(undefined, { timeStyle: 'short' })
    : date.toLocaleDateString(undefined, { dateStyle: 'medium' });
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {text}
    </time>
  );
}

function SortableTh({ label, sortKey, sort, order, onSort }: SortProps & { label: string; sortKey: ProductSort }) {
  const active = sort === sortKey;
  // The button is named by the column alone; the th's aria-sort tells the order (as screen readers expect).
  const Icon = !active ? IconArrowsSort : order === 'asc' ? IconArrowUp : IconArrowDown;
  return (
    <Table.Th scope="col" aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <UnstyledButton className={classes.sortButton} onClick={() => onSort(sortKey)}>
        <span>{label}</span>
        <Icon size={14} aria-hidden style={{ opacity: active ? 1 : 0.45, flexShrink: 0 }} />
      </UnstyledButton>
    </Table.Th>
  );
}

function RowAction({
  label,
  onClick,
  color,
  refusal = null,
  children,
}: {
  label: string;
  onClick: () => void;
  color?: string;
  refusal?: string | null;
  children: ReactNode;
}) {
  if (refusal) {
    return (
      <Refused reason={refusal}>
        <ActionIcon variant="subtle" color={color ?? 'gray'} aria-label={label}>
          {children}
        </ActionIcon>
      </Refused>
    );
  }
  return (
    <Tooltip label={label} withArrow openDelay={400}>
      <ActionIcon variant="subtle" color={color ?? 'gray'} aria-label={label} onClick={onClick}>
        {children}
      </ActionIcon>
    </Tooltip>
  );
}

function ActiveBadge({ active }: { active: boolean }) {
  return (
    // The label's own overflow: hidden cut "Inactive" to "INAC…" over a fraction of a pixel.
    <Badge variant="light" color={active ? 'green' : 'gray'} radius="sm" styles={{ label: { overflow: 'visible' } }}>
      {active ? 'Active' : 'Inactive'}
    </Badge>
  );
}

export function ProductsTable({ products, skeletonRows, stale, caption, sort, order, onSort, onEdit, onDelete, onHistory, refusal }: Props) {
  const sortProps = { sort, order, onSort };
  return (
    // A focusable scroll region, so that keyboard users can scroll the table on a narrow screen.
    <div
      role="region"
      aria-label="Products table"
      tabIndex={0}
      className={classes.region}
      aria-busy={!products || stale}
      data-stale={stale || undefined}
    >
      <Table striped highlightOnHover verticalSpacing="xs" miw={900}>
        <caption className="visually-hidden">{caption}</caption>
        <Table.Thead>
          <Table.Tr>
            <SortableTh label="SKU" sortKey="sku" {...sortProps} />
            <SortableTh label="Name" sortKey="name" {...sortProps} />
            <Table.Th scope="col">Description</Table.Th>
            <Table.Th scope="col" ta="right">
              Price
            </Table.Th>
            <Table.Th scope="col">Status</Table.Th>
            <SortableTh label="Created" sortKey="created_at" {...sortProps} />
            <SortableTh label="Updated" sortKey="updated_at" {...sortProps} />
            <Table.Th scope="col">
              <span className="visually-hidden">Actions</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {!products
            ? Array.from({ length: skeletonRows }, (_, i) => (
                <Table.Tr key={i} aria-hidden>
                  {Array.from({ length: 8 }, (_, j) => (
                    <Table.Td key={j}>
                      <Skeleton height={14} radius="sm" width={j === 2 ? '90%' : '70%'} />
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))
            : products.map((product) => (
                <Table.Tr key={product.id} data-product-id={product.id}>
                  <Table.Td className={classes.sku}>
                    <Text size="sm" ff="monospace" truncate title={product.sku}>
                      {product.sku}
                    </Text>
                  </Table.Td>
                  <Table.Td className={classes.name}>
                    <Text size="sm" fw={500} lineClamp={2}>
                      {product.name}
                    </Text>
                  </Table.Td>
                  <Table.Td className={classes.description}>
                    {product.description ? (
                      <Text size="sm" c="dimmed" truncate>
                        {product.description.slice(0, 200)}
                      </Text>
                    ) : (
                      <Text size="sm" c="dimmed">
                        –<span className="visually-hidden">no description</span>
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td ta="right" className={classes.number}>
                    {product.price ?? '–'}
                  </Table.Td>
                  <Table.Td className={classes.status}>
                    <ActiveBadge active={product.active} />
                  </Table.Td>
                  <Table.Td className={classes.date}>
                    <When iso={product.created_at} />
                  </Table.Td>
                  <Table.Td className={classes.date}>
                    <When iso={product.updated_at} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={2} wrap="nowrap" justify="flex-end">
                      <RowAction label={`History of ${product.sku}`} onClick={() => onHistory(product)}>
                        <IconHistory size={18} aria-hidden />
                      </RowAction>
                      <RowAction label={`Edit ${product.sku}`} onClick={() => onEdit(product)} refusal={refusal}>
                        <IconEdit size={18} aria-hidden />
                      </RowAction>
                      <RowAction label={`Delete ${product.sku}`} onClick={() => onDelete(product)} color="red" refusal={refusal}>
                        <IconTrash size={18} aria-hidden />
                      </RowAction>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

const SORT_OPTIONS: { value: `${ProductSort}:${SortOrder}`; label: string }[] = [
  { value: 'created_at:desc', label: 'Newest first' },
  { value: 'created_at:asc', label: 'Oldest first' },
  { value: 'updated_at:desc', label: 'Recently updated' },
  { value: 'updated_at:asc', label: 'Least recently updated' },
  { value: 'sku:asc', label: 'SKU, A to Z' },
  { value: 'sku:desc', label: 'SKU, Z to A' },
  { value: 'name:asc', label: 'Name, A to Z' },
  { value: 'name:desc', label: 'Name, Z to A' },
];

/** Narrow screens: one card per product, and the sort as a select (there are no column headers). */
export function ProductCards({ products, skeletonRows, stale, caption, sort, order, onSort, onEdit, onDelete, onHistory, refusal }: Props) {
  return (
    <Stack gap="xs">
      <NativeSelect
        label="Sort by"
        value={`${sort}:${order}`}
        onChange={(event) => {
          const [key, dir] = event.currentTarget.value.split(':') as [ProductSort, SortOrder];
          onSort(key, dir);
        }}
        data={SORT_OPTIONS}
      />
      <Stack
        component="ul"
        gap="xs"
        m={0}
        p={0}
        aria-label={caption}
        aria-busy={!products || stale}
        className={classes.region}
        data-stale={stale || undefined}
        style={{ listStyle: 'none' }}
      >
        {!products
          ? Array.from({ length: skeletonRows }, (_, i) => (
              <Card component="li" key={i} withBorder padding="sm" radius="md" aria-hidden>
                <Skeleton height={14} width="40%" mb={8} />
                <Skeleton height={14} width="80%" mb={8} />
                <Skeleton height={12} width="60%" />
              </Card>
            ))
          : products.map((product) => (
              <Card component="li" key={product.id} withBorder padding="sm" radius="md" data-product-id={product.id}>
                <Group justify="space-between" wrap="nowrap" gap="xs">
                  <Text size="sm" ff="monospace" truncate>
                    {product.sku}
                  </Text>
                  <ActiveBadge active={product.active} />
                </Group>
                <Text fw={500} mt={4} lineClamp={2}>
                  {product.name}
                </Text>
                {product.description && (
                  <Text size="sm" c="dimmed" lineClamp={2}>
                    {product.description.slice(0, 300)}
                  </Text>
                )}
                <Group gap="md" mt={6}>
                  <Text size="sm">
                    <Text span c="dimmed">
                      Price{' '}
                    </Text>
                    <span className={classes.number}>{product.price ?? '–'}</span>
                  </Text>
                  <Text size="sm">
                    <Text span c="dimmed">
                      Updated{' '}
                    </Text>
                    <When iso={product.updated_at} />
                  </Text>
                </Group>
                <Group gap="xs" mt="xs">
                  <MaybeRefused refusal={refusal}>
                    <Button size="compact-sm" variant="light" leftSection={<IconEdit size={14} aria-hidden />} onClick={() => onEdit(product)}>
                      Edit<span className="visually-hidden"> {product.sku}</span>
                    </Button>
                  </MaybeRefused>
                  <Button size="compact-sm" variant="default" leftSection={<IconHistory size={14} aria-hidden />} onClick={() => onHistory(product)}>
                    History<span className="visually-hidden"> of {product.sku}</span>
                  </Button>
                  <MaybeRefused refusal={refusal}>
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      color="red"
                      ml="auto"
                      leftSection={<IconTrash size={14} aria-hidden />}
                      onClick={() => onDelete(product)}
                    >
                      Delete<span className="visually-hidden"> {product.sku}</span>
                    </Button>
                  </MaybeRefused>
                </Group>
              </Card>
            ))}
      </Stack>
    </Stack>
  );
}
