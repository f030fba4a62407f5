import { Alert, Code, Stack, Text } from '@mantine/core';
import { IconCircleCheck, IconCircleX } from '@tabler/icons-react';
import type { PingResult } from '../../api/webhooks';
import { formatLatency, meaningfulError } from './LastDeliveryLine';

/** How the endpoint answered the webhook.test ping. */
export function TestResult({ result, onClose }: { result: PingResult; onClose: () => void }) {
  const error = meaningfulError(result.error, result.status_code);
  const answer = result.status_code != null ? `HTTP ${result.status_code}` : 'no answer';
  const title = result.success
    ? `Test ping delivered: ${answer} in ${formatLatency(result.response_time_ms)}`
    : `Test ping failed: ${answer} after ${formatLatency(result.response_time_ms)}`;
  return (
    <Alert
      color={result.success ? 'green' : 'red'}
      variant="light"
      icon={result.success ? <IconCircleCheck aria-hidden /> : <IconCircleX aria-hidden />}
      title={title}
      withCloseButton
      closeButtonLabel="Dismiss the test result"
      onClose={onClose}
    >
      <Stack gap={6}>
        {error && (
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {error}
          </Text>
        )}
        {result.response_excerpt ? (
          <div>
            <Text size="xs" c="dimmed" mb={2}>
              Response (first bytes)
            </Text>
            <Code block style={{ maxHeight: 160, overflow: 'auto', whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
              {result.response_excerpt}
            </Code>
          </div>
        ) : (
          !error && (
            <Text size="sm" c="dimmed">
              The response had no body.
            </Text>
          )
        )}
      </Stack>
    </Alert>
  );
}
