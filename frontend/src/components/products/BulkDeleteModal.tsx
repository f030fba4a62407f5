import { Alert, Button, Group, Loader, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { deleteAllProducts, listProducts, productKeys } from '../../api/catalogClient';
import { formatCount } from '../../lib/format';
import { notify } from './notify';
import classes from './products.module.css';

export const CONFIRM_WORD = 'DELETE';

interface Props {
  opened: boolean;
  onClose: () => void;
}

function plural(n: number) {
  return n === 1 ? 'product' : 'products';
}

/** Deletes the whole catalog. The count is read afresh (unfiltered), whatever the list shows. */
export function BulkDeleteModal({ opened, onClose }: Props) {
  const queryClient = useQueryClient();
  const narrow = useMediaQuery('(max-width: 36em)');
  const [typed, setTyped] = useState('');
  const count = useQuery({
    queryKey: productKeys.count,
    queryFn: ({ signal }) => listProducts({ limit: 1 }, signal),
    enabled: opened,
    staleTime: 0,
  });
  const total = count.data?.total;
  const mutation = useMutation({
    mutationFn: deleteAllProducts,
    onSuccess: ({ deleted }) => {
      notify({
        color: 'green',
        title: 'Catalog emptied',
        message: `${formatCount(deleted)} ${plural(deleted)} deleted.`,
      });
      void queryClient.invalidateQueries({ queryKey: productKeys.all });
      close();
    },
    onError: (error) => {
      notify({ color: 'red', title: 'Could not delete the products', message: error.message, overModal: true });
    },
  });

  function close() {
    setTyped('');
    mutation.reset();
    onClose();
  }

  const howMany =
    total === undefined ? null : `${count.data?.total_is_estimate ? 'about ' : ''}${formatCount(total)} ${plural(total)}`;
  const ready = typed === CONFIRM_WORD && total !== undefined && total > 0;

  return (
    <Modal
      className={classes.scope}
      classNames={{ title: classes.title }}
      opened={opened}
      onClose={close}
      title="Delete all products?"
      fullScreen={!!narrow}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (ready) mutation.mutate();
        }}
      >
        <Stack gap="sm">
          <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} title="This cannot be undone">
            {count.isPending ? (
              <Group gap="xs">
                <Loader size="xs" aria-hidden /> Counting the products…
              </Group>
            ) : count.isError ? (
              `Could not count the products: ${count.error.message}`
            ) : total === 0 ? (
              'The catalog is empty: there is nothing to delete.'
            ) : (
              <>
                <Text span fw={700}>
                  {howMany}
                </Text>{' '}
                will be deleted: the whole catalog, not only the products the filters show. Their history stays readable.
                An import still running goes on, and its later batches add their products again.
              </>
            )}
          </Alert>
          <TextInput
            label={`Type ${CONFIRM_WORD} to confirm`}
            value={typed}
            onChange={(event) => setTyped(event.currentTarget.value)}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            data-autofocus
          />
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" color="red" disabled={!ready} loading={mutation.isPending}>
              {howMany && total ? `Delete ${howMany}` : 'Delete all products'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
