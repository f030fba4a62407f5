import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { deleteProduct, productKeys, type Product } from '../../api/catalogClient';
import { ApiError } from '../../api/client';
import { notify } from './notify';
import classes from './products.module.css';

interface Props {
  opened: boolean;
  product: Product | null;
  onClose: () => void;
}

export function DeleteProductModal({ opened, product, onClose }: Props) {
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: (p: Product) => deleteProduct(p.id),
    onSuccess: (_, p) => {
      notify({ color: 'green', title: 'Product deleted', message: `${p.sku} · ${p.name}` });
      void queryClient.invalidateQueries({ queryKey: productKeys.all });
      close();
    },
    onError: (error, p) => {
      if (error instanceof ApiError && error.status === 404) {
        // Someone else deleted it first: the outcome the user asked for.
        notify({ color: 'gray', title: 'Already deleted', message: `${p.sku} had been deleted already.` });
        void queryClient.invalidateQueries({ queryKey: productKeys.all });
        close();
        return;
      }
      notify({ color: 'red', title: 'Could not delete the product', message: error.message, overModal: true });
    },
  });

  function close() {
    mutation.reset();
    onClose();
  }

  return (
    <Modal
      className={classes.scope}
      classNames={{ title: classes.title }}
      opened={opened}
      onClose={close}
      title="Delete this product?"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      {product && (
        <Stack gap="sm">
          <Text size="sm">
            <Text span ff="monospace" fw={600}>
              {product.sku}
            </Text>{' '}
            · {product.name}
          </Text>
          <Text size="sm" c="dimmed">
            The product leaves the catalog. Its history stays readable; importing a file with this SKU creates it again.
          </Text>
          {mutation.isError && (
            <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} role="alert" title="Could not delete">
              {mutation.error.message}
            </Alert>
          )}
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={close} data-autofocus>
              Cancel
            </Button>
            <Button color="red" loading={mutation.isPending} onClick={() => mutation.mutate(product)}>
              Delete product
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
