import { ActionIcon, Badge, Group, Skeleton, Table, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconArrowsSort, IconEdit, IconHistory, IconTrash } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import type { Product, ProductSort, SortOrder } from '../../api/catalogClient';
import { formatDateTime } from '../../lib/format';
import classes from './ProductsTable.module.css';

interface SortProps {
  sort: ProductSort;
  order: SortOrder;
  onSort: (key: ProductSort) => void;
}

function SortableTh({ label, sortKey, sort, order, onSort, width }: SortProps & { label: string; sortKey: ProductSort; width?: number }) {
  const active = sort === sortKey;
  // The button is named by the column alone; the th's aria-sort tells the order (as screen readers expect).
  const Icon = !active ? IconArrowsSort : order === 'asc' ? IconArrowUp : IconArrowDown;
  return (
    <Table.Th scope="col" aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'} w={width}>
      <UnstyledButton className={classes.sortButton} onClick={() => onSort(sortKey)}>
        <span>{label}</span>
        <Icon size={14} aria-hidden style={{ opacity: active ? 1 : 0.45, flexShrink: 0 }} />
      </UnstyledButton>
    </Table.Th>
  );
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
}

function RowAction({ label, onClick, color, children }: { label: string; onClick: () => void; color?: string; children: ReactNode }) {
  return (
    <Tooltip label={label} withArrow openDelay={400}>
      <ActionIcon variant="subtle" color={color ?? 'gray'} aria-label={label} onClick={onClick}>
        {children}
      </ActionIcon>
    </Tooltip>
  );
}

export function ProductsTable({ products, skeletonRows, stale, caption, sort, order, onSort, onEdit, onDelete, onHistory }: Props) {
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
      <Table striped highlightOnHover verticalSpacing="xs" miw={1010}>
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
                  <Table.Td maw={160}>
                    <Text size="sm" ff="monospace" truncate title={product.sku}>
                      {product.sku}
                    </Text>
                  </Table.Td>
                  <Table.Td maw={240}>
                    <Text size="sm" fw={500} lineClamp={2}>
                      {product.name}
                    </Text>
                  </Table.Td>
                  <Table.Td maw={240}>
                    {product.description ? (
                      <Text size="sm" c="dimmed" truncate>
                        {product.description.slice(0, 200)}
                      </Text>
                    ) : (
                      <Text size="sm" c="dimmed" aria-label="no description">
                        –
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td ta="right" className={classes.number}>
                    {product.price ?? '–'}
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={product.active ? 'green' : 'gray'} radius="sm">
                      {product.active ? 'Active' : 'Inactive'}
                    </Badge>
                  </Table.Td>
                  <Table.Td className={classes.date}>{formatDateTime(product.created_at)}</Table.Td>
                  <Table.Td className={classes.date}>{formatDateTime(product.updated_at)}</Table.Td>
                  <Table.Td>
                    <Group gap={2} wrap="nowrap" justify="flex-end">
                      <RowAction label={`History of ${product.sku}`} onClick={() => onHistory(product)}>
                        <IconHistory size={18} aria-hidden />
                      </RowAction>
                      <RowAction label={`Edit ${product.sku}`} onClick={() => onEdit(product)}>
                        <IconEdit size={18} aria-hidden />
                      </RowAction>
                      <RowAction label={`Delete ${product.sku}`} onClick={() => onDelete(product)} color="red">
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
