import {
  Badge,
  Button,
  Card,
  Code,
  Group,
  SegmentedControl,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { IconChevronDown, IconChevronRight, IconRefresh } from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import {
  WEBHOOKS_KEY,
  listDeliveries,
  resendDelivery,
  type DeliveryStatus,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../../api/webhooks';
import { BusyButton } from './BusyButton';
import { ERROR_TEXT, FAIL_COLOR, OK_COLOR, PENDING_COLOR } from './style';
import { AttemptBadge, formatLatency, meaningfulError } from './LastDeliveryLine';
import { RelativeTime, formatAbsolute, formatRelative } from './time';
import { notify } from './notify';
import { LoadError, Loading } from '../LoadStates';
import { PagePicker } from '../PagePicker';

export const DELIVERIES_PAGE_SIZE = 20;

const STATUS_COLOR: Record<DeliveryStatus, string> = { pending: PENDING_COLOR, succeeded: OK_COLOR, failed: FAIL_COLOR };
const STATUS_LABEL: Record<DeliveryStatus, string> = { pending: 'Pending', succeeded: 'Succeeded', failed: 'Failed' };

export type StatusFilter = DeliveryStatus | 'all';

function excerpt(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function Answer({ delivery }: { delivery: WebhookDelivery }) {
  const error = meaningfulError(delivery.error, delivery.status_code);
  if (error) {
    return (
      <Text size="sm" c={ERROR_TEXT} title={error}>
        {excerpt(error)}
      </Text>
    );
  }
  if (delivery.response_excerpt) {
    return (
      <Text size="sm" ff="monospace" title={delivery.response_excerpt}>
        {excerpt(delivery.response_excerpt)}
      </Text>
    );
  }
  return (
    <Text size="sm" c="dimmed">
      –
    </Text>
  );
}

function AttemptLog({ delivery }: { delivery: WebhookDelivery }) {
  if (delivery.attempt_log.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        Not attempted yet.
      </Text>
    );
  }
  return (
    <Stack gap="xs">
      <Text size="xs" c="dimmed">
        webhook-id <Code>{delivery.webhook_id}</Code> · event <Code>{delivery.event_id}</Code>
      </Text>
      <ol style={{ margin: 0, paddingLeft: '1.25rem' }}>
        {delivery.attempt_log.map((a) => (
          <li key={a.attempt} style={{ marginBottom: 8 }}>
            <Group gap={8} wrap="wrap">
              <Text size="sm" fw={500}>
                Attempt {a.attempt}
              </Text>
              <AttemptBadge success={a.success} statusCode={a.status_code} />
              <Text size="sm">{formatLatency(a.latency_ms)}</Text>
              <Text size="sm" c="dimmed">
                {formatAbsolute(a.attempted_at)}
              </Text>
            </Group>
            {meaningfulError(a.error, a.status_code) && (
              <Text size="sm" c={ERROR_TEXT} style={{ overflowWrap: 'anywhere' }}>
                {a.error}
              </Text>
            )}
            {a.response_excerpt && (
              <Code block mt={4} style={{ maxHeight: 140, overflow: 'auto', whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                {a.response_excerpt}
              </Code>
            )}
          </li>
        ))}
      </ol>
    </Stack>
  );
}

/**
 * The delivery log of one endpoint, newest first, a page at a time, with every attempt on demand
 * and a Re-send per delivery. Refreshes by itself (quickly while something is pending).
 */
export function DeliveryLog({
  endpoint,
  page,
  status,
  onPageChange,
  onStatusChange,
}: {
  endpoint: WebhookEndpoint;
  page: number;
  status: StatusFilter;
  onPageChange: (page: number) => void;
  onStatusChange: (status: StatusFilter) => void;
}) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Set<string>>(new Set());
  const query = useQuery({
    queryKey: [...WEBHOOKS_KEY, 'deliveries', endpoint.id, { page, status }],
    queryFn: () =>
      listDeliveries(endpoint.id, {
        limit: DELIVERIES_PAGE_SIZE,
        offset: (page - 1) * DELIVERIES_PAGE_SIZE,
        status: status === 'all' ? undefined : status,
      }),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.items.some((d) => d.status === 'pending') ? 3_000 : 15_000),
  });

  const resend = useMutation({
    mutationFn: (delivery: WebhookDelivery) => resendDelivery(endpoint.id, delivery.id),
    onSuccess: (_, delivery) => {
      notify({
        color: 'green',
        title: 'Delivery re-sent',
        message: `${delivery.event_type} goes out again now, with the same webhook-id.`,
      });
      void queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY });
    },
    onError: (error) => notify({ color: 'red', title: 'Could not re-send the delivery', message: error.message }),
  });

  const toggle = (id: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const total = query.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / DELIVERIES_PAGE_SIZE));

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="center" wrap="wrap" gap="sm">
        <SegmentedControl
          aria-label="Show deliveries"
          size="xs"
          value={status}
          onChange={(value) => onStatusChange(value as StatusFilter)}
          data={[
            { value: 'all', label: 'All' },
            { value: 'pending', label: 'Pending' },
            { value: 'succeeded', label: 'Succeeded' },
            { value: 'failed', label: 'Failed' },
          ]}
        />
        {query.data && (
          <Text size="sm" c="dimmed">
            {total.toLocaleString()} deliver{total === 1 ? 'y' : 'ies'}
            {pages > 1 ? ` · page ${page} of ${pages}` : ''}
          </Text>
        )}
      </Group>
      {!endpoint.enabled && (
        <Text size="sm" c="dimmed">
          Re-sending is possible once the endpoint is enabled again.
        </Text>
      )}

      {query.isPending ? (
        <Loading label="Loading deliveries" />
      ) : query.isError ? (
        <LoadError title="Could not load the deliveries" message={query.error.message} onRetry={() => query.refetch()} retrying={query.isFetching} />
      ) : query.data.items.length === 0 ? (
        <Card withBorder radius="md" padding="xl">
          <Stack align="center" gap={4}>
            <Text fw={500}>{status === 'all' ? 'No deliveries yet' : `No ${STATUS_LABEL[status].toLowerCase()} deliveries`}</Text>
            <Text size="sm" c="dimmed" ta="center" maw={460}>
              {status === 'all'
                ? 'Each event this endpoint subscribes to is logged here with every attempt. A test ping is not logged.'
                : 'Choose All to see every delivery.'}
            </Text>
          </Stack>
        </Card>
      ) : (
        <Card withBorder radius="md" padding={0}>
          {/* A focusable scroll region, so that keyboard users can scroll the table on a narrow screen. */}
          <div role="region" aria-label="Delivery log" tabIndex={0} style={{ overflowX: 'auto' }}>
            <Table verticalSpacing="sm" miw={900} highlightOnHover>
              <caption className="visually-hidden">
                Deliveries to {endpoint.url}, newest first, page {page} of {pages}
              </caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Event</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                  <Table.Th scope="col" ta="right">
                    Attempts
                  </Table.Th>
                  <Table.Th scope="col">Answer</Table.Th>
                  <Table.Th scope="col" ta="right">
                    Latency
                  </Table.Th>
                  <Table.Th scope="col">Time</Table.Th>
                  <Table.Th scope="col">Response</Table.Th>
                  <Table.Th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {query.data.items.map((d) => {
                  const expanded = open.has(d.id);
                  const detailsId = `attempts-${d.id}`;
                  const when = d.last_attempt_at ?? d.created_at;
                  return (
                    <Fragment key={d.id}>
                      <Table.Tr data-delivery-id={d.id}>
                        <Table.Td>
                          <Button
                            variant="subtle"
                            size="compact-sm"
                            color="gray"
                            onClick={() => toggle(d.id)}
                            aria-expanded={expanded}
                            aria-controls={detailsId}
                            leftSection={
                              expanded ? <IconChevronDown size={14} aria-hidden /> : <IconChevronRight size={14} aria-hidden />
                            }
                            styles={{ label: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                          >
                            {d.event_type}
                          </Button>
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>
                          <Badge color={STATUS_COLOR[d.status]} variant="outline" radius="sm" style={{ minWidth: 'max-content' }}>
                            {STATUS_LABEL[d.status]}
                          </Badge>
                          {d.status === 'pending' && d.next_attempt_at && (
                            <Text size="xs" c="dimmed" mt={2} title={formatAbsolute(d.next_attempt_at)}>
                              next try {formatRelative(d.next_attempt_at)}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td ta="right">{d.attempts}</Table.Td>
                        <Table.Td>
                          {d.last_attempt_at ? (
                            <AttemptBadge success={d.status === 'succeeded'} statusCode={d.status_code} />
                          ) : (
                            <Text size="sm" c="dimmed">
                              –
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                          {formatLatency(d.latency_ms)}
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>
                          <Text size="sm" component="span">
                            <RelativeTime iso={when} />
                          </Text>
                        </Table.Td>
                        <Table.Td maw={260}>
                          <Answer delivery={d} />
                        </Table.Td>
                        <Table.Td>
                          <BusyButton
                            size="compact-sm"
                            variant="light"
                            icon={<IconRefresh size={14} aria-hidden />}
                            disabled={!endpoint.enabled}
                            busy={resend.isPending && resend.variables?.id === d.id}
                            onClick={() => resend.mutate(d)}
                            aria-label={`Re-send ${d.event_type} delivery ${d.id.slice(0, 8)}`}
                          >
                            Re-send
                          </BusyButton>
                        </Table.Td>
                      </Table.Tr>
                      {expanded && (
                        <Table.Tr id={detailsId}>
                          <Table.Td colSpan={8} bg="var(--mantine-color-default-hover)">
                            <AttemptLog delivery={d} />
                          </Table.Td>
                        </Table.Tr>
                      )}
                    </Fragment>
                  );
                })}
              </Table.Tbody>
            </Table>
          </div>
        </Card>
      )}
      {pages > 1 && (
        <Group justify="center" mt="sm">
          <PagePicker
            total={pages}
            value={page}
            onChange={onPageChange}
          />
        </Group>
      )}
    </Stack>
  );
}
