import { Alert, Badge, Group, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { IconAlertTriangle, IconPlayerPause, IconPlugConnectedX } from '@tabler/icons-react';
import type { WebhookEndpoint } from '../../api/webhooks';
import { EnabledSwitch } from './EnabledSwitch';
import { LastDeliveryLine } from './LastDeliveryLine';
import { formatAbsolute } from './time';

export function EventBadges({ events }: { events: string[] }) {
  return (
    <Group gap={6} wrap="wrap" component="ul" aria-label="Events" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {events.map((event) => (
        <li key={event}>
          <Badge variant="default" radius="sm" tt="none" fw={500} ff="monospace">
            {event}
          </Badge>
        </li>
      ))}
    </Group>
  );
}

/** The API's reason starts "disabled automatically: ", which the alert's title says already. */
function reasonText(reason: string): string {
  const rest = reason.replace(/^disabled automatically:\s*/i, '');
  return rest.charAt(0).toUpperCase() + rest.slice(1);
}

/**
 * Why an endpoint is off (the API's disabled_reason when it disabled it itself, else that
 * someone turned it off), or that its attempts have all failed since some time (it gets
 * disabled when that lasts).
 */
export function EndpointHealth({ endpoint }: { endpoint: WebhookEndpoint }) {
  if (!endpoint.enabled && endpoint.disabled_reason) {
    return (
      <Alert color="orange" variant="light" icon={<IconPlugConnectedX aria-hidden />} title="Disabled automatically">
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {reasonText(endpoint.disabled_reason)}
        </Text>
        <Text size="sm" mt={4}>
          Fix the receiver, then turn the endpoint on again: pending deliveries were marked failed and can be re-sent from
          its delivery log.
        </Text>
      </Alert>
    );
  }
  if (!endpoint.enabled) {
    // Turned off by someone: the fan-out only creates deliveries for enabled endpoints.
    return (
      <Group gap={6} wrap="nowrap" align="flex-start">
        <IconPlayerPause size={16} aria-hidden style={{ flexShrink: 0, marginTop: 2 }} />
        <Text size="sm">
          <Text span fw={600} size="sm">
            Turned off.
          </Text>{' '}
          Events that happen while it is off are not sent to it, not even after it is turned on again.
        </Text>
      </Group>
    );
  }
  if (endpoint.failing_since) {
    return (
      <Group gap={6} wrap="nowrap" align="flex-start">
        <IconAlertTriangle size={16} color="var(--mantine-color-orange-7)" aria-hidden style={{ flexShrink: 0, marginTop: 2 }} />
        <Text size="sm">
          Every attempt has failed since {formatAbsolute(endpoint.failing_since)}. The endpoint is disabled automatically if
          this goes on.
        </Text>
      </Group>
    );
  }
  return null;
}

/** What the list card and the detail page both show: the heading (URL) with the description
 * and the enabled switch beside it, the event types, the last delivery, the failure run. */
export function EndpointOverview({ endpoint, heading }: { endpoint: WebhookEndpoint; heading: ReactNode }) {
  return (
    <>
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
        <div style={{ minWidth: 0 }}>
          {heading}
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
    </>
  );
}
