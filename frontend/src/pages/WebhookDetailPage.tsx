import { Alert, Anchor, Button, Card, Center, Code, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconArrowLeft } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError } from '../api/client';
import { WEBHOOKS_KEY, getWebhook } from '../api/webhooks';
import { DeliveryLog, type StatusFilter } from '../components/webhooks/DeliveryLog';
import { EndpointActions } from '../components/webhooks/EndpointActions';
import { EndpointOverview } from '../components/webhooks/EndpointSummary';
import { SCOPE } from '../components/webhooks/style';
import { formatAbsolute } from '../components/webhooks/time';
import { usePageTitle } from '../lib/usePageTitle';

const FILTERS: StatusFilter[] = ['all', 'pending', 'succeeded', 'failed'];

function BackLink() {
  return (
    <Anchor component={Link} to="/webhooks" size="sm">
      <Group gap={4} component="span" wrap="nowrap">
        <IconArrowLeft size={14} aria-hidden />
        All endpoints
      </Group>
    </Anchor>
  );
}

/** One endpoint, its settings and actions, and its delivery log (/webhooks/:id). */
export function WebhookDetailPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const raw = params.get('status');
  const status: StatusFilter = FILTERS.includes(raw as StatusFilter) ? (raw as StatusFilter) : 'all';
  usePageTitle('Webhook deliveries');

  const query = useQuery({
    queryKey: [...WEBHOOKS_KEY, 'detail', id],
    queryFn: () => getWebhook(id),
    refetchInterval: 15_000,
  });

  const setView = (next: { page?: number; status?: StatusFilter }) => {
    const search: Record<string, string> = {};
    const s = next.status ?? status;
    const p = next.page ?? page;
    if (s !== 'all') search.status = s;
    if (p > 1) search.page = String(p);
    setParams(search);
  };

  if (query.isPending) {
    return (
      <Center py="xl" className={SCOPE}>
        <Loader aria-label="Loading the endpoint" />
      </Center>
    );
  }
  if (query.isError) {
    const missing = query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 422);
    return (
      <Stack gap="lg" className={SCOPE}>
        <BackLink />
        <Title order={1}>{missing ? 'Endpoint not found' : 'Webhook endpoint'}</Title>
        <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} role="alert"
          title={missing ? 'There is no webhook endpoint at this address' : 'Could not load the endpoint'}>
          <Stack gap="sm" align="flex-start">
            <Text size="sm">{missing ? 'It may have been deleted.' : query.error.message}</Text>
            {!missing && (
              <Button size="xs" variant="light" color="red" onClick={() => query.refetch()} loading={query.isFetching}>
                Try again
              </Button>
            )}
          </Stack>
        </Alert>
      </Stack>
    );
  }

  const endpoint = query.data;
  return (
    <Stack gap="lg" className={SCOPE}>
      <BackLink />
      <Card withBorder radius="md" padding="md">
        <Stack gap="sm">
          <EndpointOverview
            endpoint={endpoint}
            heading={
              <>
                <Text size="sm" c="dimmed">
                  Webhook endpoint
                </Text>
                <Title order={1} size="h3" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                  {endpoint.url}
                </Title>
              </>
            }
          />
          <Text size="sm">
            Signing secret <Code>{endpoint.secret}</Code>
            {endpoint.previous_secret_expires_at && (
              <Text component="span" size="sm" c="dimmed">
                {' '}
                · the previous one also signs until {formatAbsolute(endpoint.previous_secret_expires_at)}
              </Text>
            )}
          </Text>
          <EndpointActions endpoint={endpoint} onDeleted={() => navigate('/webhooks')} />
        </Stack>
      </Card>
      <Stack gap="sm">
        <Title order={2} size="h3">
          Delivery log
        </Title>
        <DeliveryLog
          endpoint={endpoint}
          page={page}
          status={status}
          onPageChange={(p) => setView({ page: p })}
          onStatusChange={(s) => setView({ status: s, page: 1 })}
        />
      </Stack>
    </Stack>
  );
}
