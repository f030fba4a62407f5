import { Alert, Button, Center, Group, Loader, Modal, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconAlertTriangle, IconRefresh } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import {
  createProduct,
  fieldErrors,
  getProduct,
  productKeys,
  updateProduct,
  type Product,
  type ProductPatch,
  type VersionedProduct,
} from '../../api/catalogClient';
import { ApiError } from '../../api/client';
import { dismiss, notify } from './notify';

const FAILURE_NOTICE = 'product-form-failure';
import classes from './products.module.css';

const FIELDS = ['sku', 'name', 'description', 'price', 'active'] as const;
type Field = (typeof FIELDS)[number];
type Errors = Partial<Record<Field, string>>;

interface Values {
  sku: string;
  name: string;
  description: string;
  price: string;
  active: boolean;
}

const EMPTY: Values = { sku: '', name: '', description: '', price: '', active: true };

function valuesOf(product: Product): Values {
  return {
    sku: product.sku,
    name: product.name,
    description: product.description ?? '',
    price: product.price ?? '',
    active: product.active,
  };
}

/** "Value error, price must be >= 0" (pydantic's wording) -> "Price must be >= 0". */
export function readableMessage(message: string): string {
  const text = message.replace(/^Value error, /, '');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What can be told without asking the API; the API's rules (docs/catalog-api.md) decide the rest. */
function checkLocally(values: Values): Errors {
  const errors: Errors = {};
  if (!values.sku.trim()) errors.sku = 'SKU is required';
  else if (values.sku.trim().length > 100) errors.sku = 'SKU must be at most 100 characters';
  if (!values.name.trim()) errors.name = 'Name is required';
  else if (values.name.trim().length > 500) errors.name = 'Name must be at most 500 characters';
  if (values.price.trim() && !/^\d*\.?\d+$|^\d+\.$/.test(values.price.trim())) {
    errors.price = 'Price must be a number such as 39.90 (no currency sign, no thousands separator)';
  }
  return errors;
}

function samePrice(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return a === b || Number(a) === Number(b);
}

/** Only the fields the user changed: a PATCH must not overwrite what someone else changed meanwhile in other fields. */
export function changedFields(original: Product, values: Values): ProductPatch {
  const patch: ProductPatch = {};
  const description = values.description.trim() || null;
  const price = values.price.trim() || null;
  if (values.sku.trim() !== original.sku) patch.sku = values.sku.trim();
  if (values.name.trim() !== original.name) patch.name = values.name.trim();
  if (description !== (original.description ?? null)) patch.description = description;
  if (!samePrice(price, original.price)) patch.price = price;
  if (values.active !== original.active) patch.active = values.active;
  return patch;
}

type Problem = { kind: 'stale' } | { kind: 'gone' } | { kind: 'other'; message: string } | null;

interface FormProps {
  /** The product being edited with the ETag read, or null to create one. */
  current: VersionedProduct | null;
  onDone: () => void;
  onCancel: () => void;
  onReload: () => void;
  reloading: boolean;
}

function ProductForm({ current, onDone, onCancel, onReload, reloading }: FormProps) {
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>(current ? valuesOf(current.product) : EMPTY);
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<Problem>(null);
  const inputs = useRef<Partial<Record<Field, HTMLInputElement | HTMLTextAreaElement | null>>>({});
  const editing = current !== null;

  const set = <K extends Field>(field: K, value: Values[K]) => {
    setValues((v) => ({ ...v, [field]: value }));
    setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const focusFirstError = (found: Errors) => {
    const first = FIELDS.find((f) => found[f]);
    if (first) setTimeout(() => inputs.current[first]?.focus(), 0);
  };

  const mutation = useMutation({
    mutationFn: async (vals: Values): Promise<{ product: Product; changed: boolean }> => {
      if (!current) {
        const product = await createProduct({
          sku: vals.sku.trim(),
          name: vals.name.trim(),
          description: vals.description.trim() || null,
          price: vals.price.trim() || null,
          active: vals.active,
        });
        return { product, changed: true };
      }
      const patch = changedFields(current.product, vals);
      if (Object.keys(patch).length === 0) return { product: current.product, changed: false };
      const { product } = await updateProduct(current.product.id, patch, current.etag);
      return { product, changed: true };
    },
    onSuccess: ({ product, changed }) => {
      dismiss(FAILURE_NOTICE);
      if (changed) {
        notify({
          color: 'green',
          title: editing ? 'Product saved' : 'Product created',
          message: `${product.sku} · ${product.name}`,
        });
        void queryClient.invalidateQueries({ queryKey: productKeys.all });
      } else {
        notify({ color: 'gray', title: 'Nothing to save', message: 'No field was changed.' });
      }
      onDone();
    },
    onError: (error) => {
      const found: Errors = {};
      const unplaced: string[] = [];
      for (const { field, message } of fieldErrors(error)) {
        const key = field.split('.')[0] as Field;
        if (FIELDS.includes(key)) found[key] = found[key] ?? readableMessage(message);
        else unplaced.push(readableMessage(message));
      }
      if (error instanceof ApiError && error.status === 409 && error.code === 'sku_exists') {
        found.sku = error.message; // names the SKU: "A product with SKU 'KET-001' exists already …"
      }
      setErrors(found);
      focusFirstError(found);

      let summary = error.message;
      if (error instanceof ApiError && error.status === 412) {
        setProblem({ kind: 'stale' });
        summary = 'Someone else changed this product since you opened it.';
      } else if (error instanceof ApiError && error.status === 404) {
        setProblem({ kind: 'gone' });
        summary = 'This product has been deleted.';
      } else if (Object.keys(found).length > 0) {
        setProblem(unplaced.length ? { kind: 'other', message: unplaced.join(' ') } : null);
        summary = 'Check the highlighted fields.';
      } else {
        setProblem({ kind: 'other', message: unplaced.length ? unplaced.join(' ') : error.message });
      }
      notify({
        color: 'red',
        title: editing ? 'Could not save the product' : 'Could not create the product',
        message: summary,
        overModal: true,
        id: FAILURE_NOTICE,
      });
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const local = checkLocally(values);
    setErrors(local);
    setProblem(null);
    if (Object.keys(local).length > 0) {
      focusFirstError(local);
      return;
    }
    mutation.mutate(values);
  };

  const ref = (field: Field) => (el: HTMLInputElement | HTMLTextAreaElement | null) => {
    inputs.current[field] = el;
  };

  return (
    <form onSubmit={submit} noValidate aria-label={editing ? 'Edit product' : 'New product'}>
      <Stack gap="sm">
        {problem?.kind === 'stale' && (
          <Alert color="orange" variant="light" icon={<IconAlertTriangle aria-hidden />} title="Someone else changed this product" role="alert">
            <Stack gap="xs" align="flex-start">
              <Text size="sm">
                It was changed (by another user or an import) after you opened it, so your changes were not saved. Reload to see
                the current values; your edits in this form will be replaced.
              </Text>
              <Button size="xs" variant="light" color="orange" leftSection={<IconRefresh size={14} aria-hidden />} onClick={onReload} loading={reloading}>
                Reload the product
              </Button>
            </Stack>
          </Alert>
        )}
        {problem?.kind === 'gone' && (
          <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} title="This product no longer exists" role="alert">
            It was deleted after you opened it.
          </Alert>
        )}
        {problem?.kind === 'other' && (
          <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} title={editing ? 'Could not save' : 'Could not create'} role="alert">
            {problem.message}
          </Alert>
        )}
        <TextInput
          ref={ref('sku')}
          label="SKU"
          description="Unique, without regard to letter case."
          required
          value={values.sku}
          onChange={(e) => set('sku', e.currentTarget.value)}
          error={errors.sku}
          autoComplete="off"
          spellCheck={false}
          data-autofocus
        />
        <TextInput ref={ref('name')} label="Name" required value={values.name} onChange={(e) => set('name', e.currentTarget.value)} error={errors.name} autoComplete="off" />
        <Textarea
          ref={ref('description')}
          label="Description"
          autosize
          minRows={3}
          maxRows={8}
          value={values.description}
          onChange={(e) => set('description', e.currentTarget.value)}
          error={errors.description}
        />
        <TextInput
          ref={ref('price')}
          label="Price"
          description="Up to 4 decimals, e.g. 39.90; empty for no price."
          inputMode="decimal"
          value={values.price}
          onChange={(e) => set('price', e.currentTarget.value)}
          error={errors.price}
          autoComplete="off"
          w={{ base: '100%', xs: 320 }}
        />
        <Switch
          ref={ref('active') as (el: HTMLInputElement | null) => void}
          label="Active"
          description="Inactive products stay in the catalog but are marked as not for sale."
          checked={values.active}
          onChange={(e) => set('active', e.currentTarget.checked)}
          error={errors.active}
          mt="xs"
        />
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={mutation.isPending} disabled={problem?.kind === 'gone'}>
            {editing ? 'Save changes' : 'Create product'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

interface Props {
  opened: boolean;
  /** The product to edit (as listed), or null to create one. */
  product: Product | null;
  onClose: () => void;
}

/**
 * Editing reads the product first, for its current values and ETag. Mounted only while the
 * modal is open, so that every opening reads the product afresh (gcTime 0: nothing kept).
 */
function EditBody({ product, onClose }: { product: Product; onClose: () => void }) {
  const detail = useQuery({
    queryKey: productKeys.detail(product.id),
    queryFn: ({ signal }) => getProduct(product.id, signal),
    staleTime: 0,
    gcTime: 0,
  });
  if (detail.isPending) {
    return (
      <Center py="xl">
        <Loader role="status" aria-label="Loading the product" />
      </Center>
    );
  }
  if (detail.isError) {
    const gone = detail.error instanceof ApiError && detail.error.status === 404;
    return (
      <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} title="Could not load the product" role="alert">
        <Stack gap="sm" align="flex-start">
          <Text size="sm">{gone ? 'This product has been deleted.' : detail.error.message}</Text>
          <Group gap="xs">
            {!gone && (
              <Button size="xs" variant="light" color="red" onClick={() => detail.refetch()} loading={detail.isFetching}>
                Try again
              </Button>
            )}
            <Button size="xs" variant="default" onClick={onClose}>
              Close
            </Button>
          </Group>
        </Stack>
      </Alert>
    );
  }
  return (
    // A new version read (Reload after a 412) starts the form afresh from it.
    <ProductForm
      key={detail.data.etag ?? detail.dataUpdatedAt}
      current={detail.data}
      onDone={onClose}
      onCancel={onClose}
      onReload={() => void detail.refetch()}
      reloading={detail.isFetching}
    />
  );
}

/** Create (product null) or edit a product. */
export function ProductFormModal({ opened, product, onClose }: Props) {
  const narrow = useMediaQuery('(max-width: 36em)');
  return (
    <Modal
      className={classes.scope}
      classNames={{ title: classes.title }}
      opened={opened}
      onClose={onClose}
      title={product ? `Edit ${product.sku}` : 'New product'}
      size="lg"
      fullScreen={!!narrow}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      {product ? (
        <EditBody product={product} onClose={onClose} />
      ) : (
        <ProductForm current={null} onDone={onClose} onCancel={onClose} onReload={() => {}} reloading={false} />
      )}
    </Modal>
  );
}
