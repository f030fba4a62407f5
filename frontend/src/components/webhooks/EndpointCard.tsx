import { Card, Stack, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { WebhookEndpoint } from '../../api/webhooks';
import { EndpointActions } from './EndpointActions';
import { EndpointOverview } from './EndpointSummary';

/** One endpoint in the list: where, what for, which events, how its last delivery went, actions. */
export function EndpointCard({ endpoint }: { endpoint: WebhookEndpoint }) {
  const headingId = `endpoint-${endpoint.id}`;
  return (
    <Card withBorder radius="md" padding="md" component="article" aria-labelledby={headingId} data-endpoint-id={endpoint.id}>
      <Stack gap="sm">
        <EndpointOverview
          endpoint={endpoint}
          heading={
            <Title order={2} size="h5" id={headingId} ff="monospace" fw={600} style={{ overflowWrap: 'anywhere' }}>
              <Link to={`/webhooks/${endpoint.id}`} style={{ color: 'inherit' }}>
                {endpoint.url}
              </Link>
            </Title>
          }
        />
        <EndpointActions endpoint={endpoint} withDeliveriesLink />
      </Stack>
    </Card>
  );
}
