import { Badge, Group, Text } from '@mantine/core';
import type { LastDelivery } from '../../api/webhooks';
import { ERROR_TEXT, FAIL_COLOR, OK_COLOR } from './style';
import { RelativeTime } from './time';

/** "200" or "Failed", green or red: the answer of an attempt in one badge. */
export function AttemptBadge({ success, statusCode }: { success: boolean; statusCode: number | null }) {
  const label = statusCode != null ? String(statusCode) : success ? 'OK' : 'No answer';
  return (
    <Badge color={success ? OK_COLOR : FAIL_COLOR} variant="filled" radius="sm" style={{ flexShrink: 0, minWidth: 'max-content' }}>
      <span className="visually-hidden">{success ? 'Succeeded: ' : 'Failed: '}</span>
      {statusCode != null ? `HTTP ${label}` : label}
    </Badge>
  );
}

/** The error, unless it only repeats the status code ("HTTP 500"), which the badge shows already. */
export function meaningfulError(error: string | null, statusCode: number | null): string | null {
  if (!error) return null;
  return statusCode != null && error.trim() === `HTTP ${statusCode}` ? null : error;
}

export function formatLatency(ms: number | null | undefined): string {
  return ms == null ? '–' : `${Math.round(ms).toLocaleString()} ms`;
}

/** An endpoint's last delivery attempt, or that there was none yet. */
export function LastDeliveryLine({ last }: { last: LastDelivery | null }) {
  const error = last ? meaningfulError(last.error, last.status_code) : null;
  if (!last) {
    return (
      <Text size="sm" c="dimmed">
        No deliveries yet.
      </Text>
    );
  }
  return (
    <div>
      <Group gap="sm" wrap="wrap" align="center" style={{ rowGap: 4 }}>
        <Text size="sm" c="dimmed" component="span">
          Last delivery
        </Text>
        <AttemptBadge success={last.success} statusCode={last.status_code} />
        <Text size="sm" component="span">
          {formatLatency(last.latency_ms)}
        </Text>
        <Text size="sm" component="span">
          <RelativeTime iso={last.attempted_at} />
        </Text>
        <Text size="sm" c="dimmed" component="span" ff="monospace">
          {last.event_type}
        </Text>
      </Group>
      {error && (
        <Text size="sm" c={ERROR_TEXT} mt={4} style={{ overflowWrap: 'anywhere' }}>
          {error}
        </Text>
      )}
    </div>
  );
}
