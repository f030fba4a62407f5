import { Card, Group, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { WebhookEndpoint } from '../../api/webhooks';
import { EnabledSwitch } from './EnabledSwitch';
import { EndpointActions } from './EndpointActions';
import { EndpointHealth, EventBadges } from './EndpointSummary';
import { LastDeliveryLine } from './LastDeliveryLine';

/** One endpoint in the list: where, what for, which events, how its last delivery went, actions. */
export function EndpointCard({ endpoint }: { endpoint: WebhookEndpoint }) {
  const headingId = `endpoint-${endpoint.id}`;
  return (
    <Card withBorder radius="md" padding="md" component="article" aria-labelledby={headingId} data-endpoint-id={endpoint.id}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
          <div style={{ minWidth: 0 }}>
            <Title order={2} size="h5" id={headingId} ff="monospace" fw={600} style={{ overflowWrap: 'anywhere' }}>
              <Link to={`/webhooks/${endpoint.id}`} style={{ color: 'inherit' }}>
                {endpoint.url}
              </Link>
            </Title>
            {endpoint.description && (
              <Text size="sm" c="dimmed" mt={2} style={{ overflowWrap: 'anywhere' }}>
                {endpoint.description}
              </Text>
            )}
          </div>
          <div style={{ flexShrink: 0 }}>
            <EnabledSwitch endpoint={endpoint} />
          </div>
        </Group>
        <EventBadges events={endpoint.events} />
        <LastDeliveryLine last={endpoint.last_delivery} />
        <EndpointHealth endpoint={endpoint} />
        <EndpointActions endpoint={endpoint} withDeliveriesLink />
      </Stack>
    </Card>
  );
}
