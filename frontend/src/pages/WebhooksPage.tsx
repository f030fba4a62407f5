import { Anchor, Button, Card, Group, List, Stack, Text, Title } from '@mantine/core';
import { IconPlus, IconWebhook } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { WEBHOOKS_KEY, listWebhooks, type WebhookEndpoint } from '../api/webhooks';
import { EndpointCard } from '../components/webhooks/EndpointCard';
import { EndpointFormModal } from '../components/webhooks/EndpointFormModal';
import { SecretModal, type RevealedSecret } from '../components/webhooks/SecretModal';
import { SCOPE } from '../components/webhooks/style';
import { usePageTitle } from '../lib/usePageTitle';
import { LoadError, Loading } from '../components/LoadStates';
import { PagePicker } from '../components/PagePicker';

export const ENDPOINTS_PAGE_SIZE = 20;

function EmptyState({ onAdd }: { onAdd: () => void }) {
  return (
    <Card withBorder radius="md" padding="xl">
      <Stack align="center" gap="sm" py="lg">
        <IconWebhook size={40} stroke={1.5} color="var(--mantine-color-dimmed)" aria-hidden />
        <Title order={2} size="h4">
          No webhook endpoints yet
        </Title>
        <Text size="sm" ta="center" maw={560}>
          A webhook tells another system the moment something happens here: we send an HTTP POST with a signed JSON body
          to a URL you choose.
        </Text>
        <List size="sm" spacing={4} maw={560}>
          <List.Item>Product events: created, updated, deleted, all deleted at once.</List.Item>
          <List.Item>Import events: started, completed, failed (one per import, not per row).</List.Item>
          <List.Item>Failed deliveries are retried for about a day, and every attempt is logged.</List.Item>
        </List>
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={onAdd} mt="xs">
          Add endpoint
        </Button>
      </Stack>
    </Card>
  );
}

export function WebhooksPage() {
  usePageTitle('Webhooks');
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const [adding, setAdding] = useState(false);
  const [revealed, setRevealed] = useState<RevealedSecret | null>(null);

  const query = useQuery({
    queryKey: [...WEBHOOKS_KEY, 'list', page],
    queryFn: () => listWebhooks({ limit: ENDPOINTS_PAGE_SIZE, offset: (page - 1) * ENDPOINTS_PAGE_SIZE }),
    placeholderData: keepPreviousData,
    // Deliveries happen in the background: keep each endpoint's last delivery current.
    refetchInterval: 15_000,
  });

  const onCreated = (created: WebhookEndpoint) =>
    setRevealed({ secret: created.secret, url: created.url, reason: 'created', previousExpiresAt: null });

  const total = query.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / ENDPOINTS_PAGE_SIZE));

  return (
    <Stack gap="lg" className={SCOPE}>
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={1}>Webhooks</Title>
          <Text c="dimmed">
            Endpoints that receive catalog and import events, signed (
            <Anchor href="https://www.standardwebhooks.com/" target="_blank" rel="noreferrer" underline="always">
              Standard Webhooks<span className="visually-hidden"> (opens in a new tab)</span>
            </Anchor>
            ) and retried.
          </Text>
        </div>
        {query.data && total > 0 && (
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setAdding(true)}>
            Add endpoint
          </Button>
        )}
      </Group>

      {query.isPending ? (
        <Loading label="Loading webhook endpoints" />
      ) : query.isError ? (
        <LoadError title="Could not load the webhook endpoints" message={query.error.message} onRetry={() => query.refetch()} retrying={query.isFetching} />
      ) : query.data.items.length === 0 && page === 1 ? (
        <EmptyState onAdd={() => setAdding(true)} />
      ) : (
        <Stack gap="md">
          <Text size="sm" c="dimmed">
            {total.toLocaleString()} endpoint{total === 1 ? '' : 's'}
            {pages > 1 ? ` · page ${page} of ${pages}` : ''}
          </Text>
          {query.data.items.map((endpoint) => (
            <EndpointCard key={endpoint.id} endpoint={endpoint} />
          ))}
          {pages > 1 && (
            <Group justify="center" mt="sm">
              <PagePicker
                total={pages}
                value={page}
                onChange={(next) => setParams(next === 1 ? {} : { page: String(next) })}
              />
            </Group>
          )}
        </Stack>
      )}

      <EndpointFormModal opened={adding} endpoint={null} onClose={() => setAdding(false)} onCreated={onCreated} />
      <SecretModal revealed={revealed} onClose={() => setRevealed(null)} />
    </Stack>
  );
}
