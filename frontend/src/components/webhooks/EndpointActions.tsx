import { Button, Code, Group, Stack, Text } from '@mantine/core';
import { IconKey, IconList, IconPencil, IconSend, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link } from 'react-router';
import {
  WEBHOOKS_KEY,
  deleteWebhook,
  rotateWebhookSecret,
  testWebhook,
  type PingResult,
  type WebhookEndpoint,
} from '../../api/webhooks';
import { BusyButton } from './BusyButton';
import { ConfirmModal } from './ConfirmModal';
import { EndpointFormModal } from './EndpointFormModal';
import { SecretModal, type RevealedSecret } from './SecretModal';
import { TestResult } from './TestResult';
import { notify } from './notify';

/**
 * What can be done to one endpoint: send a test ping (its result shown right below), open its
 * delivery log, edit it, rotate its secret, delete it. Each mutation says how it went in a
 * notification and refreshes every webhooks query.
 */
export function EndpointActions({
  endpoint,
  withDeliveriesLink = false,
  onDeleted,
}: {
  endpoint: WebhookEndpoint;
  withDeliveriesLink?: boolean;
  onDeleted?: () => void;
}) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState<'delete' | 'rotate' | null>(null);
  const [revealed, setRevealed] = useState<RevealedSecret | null>(null);
  const [result, setResult] = useState<PingResult | null>(null);
  // The new secret opens as the confirmation closes: focus goes back to Rotate secret after it.
  const rotateButton = useRef<HTMLButtonElement>(null);
  // Every card has these buttons: their names say which endpoint (and start with the visible label).
  const named = (label: string) => ({ 'aria-label': `${label} ${endpoint.url}` });

  const test = useMutation({
    mutationFn: () => testWebhook(endpoint.id),
    onMutate: () => setResult(null),
    onSuccess: setResult,
    onError: (error) => notify({ color: 'red', title: 'Could not send the test ping', message: error.message }),
  });

  const rotate = useMutation({
    mutationFn: () => rotateWebhookSecret(endpoint.id),
    onSuccess: (saved) => {
      setConfirm(null);
      setRevealed({ secret: saved.secret, url: saved.url, reason: 'rotated', previousExpiresAt: saved.previous_secret_expires_at });
      notify({ color: 'green', title: 'Secret rotated', message: `Copy the new secret for ${saved.url} now.` });
      void queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY });
    },
    onError: (error) => notify({ color: 'red', title: 'Could not rotate the secret', message: error.message }),
  });

  const remove = useMutation({
    mutationFn: () => deleteWebhook(endpoint.id),
    onSuccess: () => {
      setConfirm(null);
      notify({ color: 'green', title: 'Endpoint deleted', message: endpoint.url });
      // Forget this endpoint's own queries rather than refetch them into a 404.
      queryClient.removeQueries({ queryKey: [...WEBHOOKS_KEY, 'detail', endpoint.id] });
      queryClient.removeQueries({ queryKey: [...WEBHOOKS_KEY, 'deliveries', endpoint.id] });
      void queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY });
      onDeleted?.();
    },
    onError: (error) => notify({ color: 'red', title: 'Could not delete the endpoint', message: error.message }),
  });

  return (
    <Stack gap="sm">
      <Group gap="xs" wrap="wrap">
        <BusyButton
          size="xs"
          variant="light"
          icon={<IconSend size={14} aria-hidden />}
          busy={test.isPending}
          onClick={() => test.mutate()}
          {...named('Send test')}
        >
          Send test
        </BusyButton>
        {withDeliveriesLink && (
          <Button
            size="xs"
            variant="default"
            component={Link}
            to={`/webhooks/${endpoint.id}`}
            leftSection={<IconList size={14} aria-hidden />}
            {...named('Deliveries')}
          >
            Deliveries
          </Button>
        )}
        <Button
          size="xs"
          variant="default"
          leftSection={<IconPencil size={14} aria-hidden />}
          onClick={() => setEditing(true)}
          {...named('Edit')}
        >
          Edit
        </Button>
        <Button
          ref={rotateButton}
          size="xs"
          variant="default"
          leftSection={<IconKey size={14} aria-hidden />}
          onClick={() => setConfirm('rotate')}
          {...named('Rotate secret')}
        >
          Rotate secret
        </Button>
        <Button
          size="xs"
          variant="subtle"
          color="red"
          leftSection={<IconTrash size={14} aria-hidden />}
          onClick={() => setConfirm('delete')}
          {...named('Delete')}
        >
          Delete
        </Button>
      </Group>

      {result && <TestResult result={result} onClose={() => setResult(null)} />}

      <EndpointFormModal opened={editing} endpoint={endpoint} onClose={() => setEditing(false)} />
      <ConfirmModal
        opened={confirm === 'delete'}
        title="Delete this endpoint?"
        confirmLabel="Delete endpoint"
        loading={remove.isPending}
        onConfirm={() => remove.mutate()}
        onClose={() => setConfirm(null)}
      >
        <Text size="sm" mb="xs" style={{ overflowWrap: 'anywhere' }}>
          <Code>{endpoint.url}</Code> stops receiving events, and its delivery log is removed.
        </Text>
        <Text size="sm">This cannot be undone.</Text>
      </ConfirmModal>
      <ConfirmModal
        opened={confirm === 'rotate'}
        title="Rotate the signing secret?"
        confirmLabel="Rotate secret"
        color="blue"
        loading={rotate.isPending}
        onConfirm={() => rotate.mutate()}
        onClose={() => setConfirm(null)}
      >
        <Text size="sm" mb="xs">
          A new secret is made and shown once. The current one keeps signing too, as a second signature, for a grace
          period (24 hours unless configured otherwise), so update your receiver before then.
        </Text>
      </ConfirmModal>
      <SecretModal revealed={revealed} onClose={() => setRevealed(null)} returnFocusTo={rotateButton} />
    </Stack>
  );
}
