import { Button, Card, Code, Group, NativeSelect, Stack, Table, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconListDetails } from '@tabler/icons-react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { accountKeys, listAudit, type AuditEntry } from '../api/accountsClient';
import { LoadError, Loading } from '../components/LoadStates';
import { formatAbsolute } from '../components/webhooks/time';
import { principalLabel } from '../lib/principal';
import { usePageTitle } from '../lib/usePageTitle';

const PAGE = 50;

/** The kinds to filter by: the API matches an action (user.created) or its kind (user). */
export const KINDS = [
  { value: '', label: 'Everything' },
  { value: 'user', label: 'Users' },
  { value: 'api_key', label: 'API keys' },
  { value: 'webhook', label: 'Webhooks' },
  { value: 'products', label: 'Products' },
];

const ACTION_LABEL: Record<string, string> = {
  'user.created': 'User added',
  'user.updated': 'User changed',
  'user.password_reset': 'Password reset',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
  'webhook.created': 'Webhook added',
  'webhook.updated': 'Webhook changed',
  'webhook.deleted': 'Webhook deleted',
  'webhook.secret_rotated': 'Webhook secret rotated',
  'products.bulk_deleted': 'All products deleted',
};

/** "role: viewer → editor, disabled: no → yes" from a user.updated entry's `changes`; else null. */
export function describeChanges(details: AuditEntry['details']): string | null {
  const changes = details?.changes;
  if (!changes || typeof changes !== 'object') return null;
  const show = (value: unknown) => (typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value));
  const parts = Object.entries(changes as Record<string, { old?: unknown; new?: unknown }>).map(
    ([field, change]) => `${field}: ${show(change?.old)} → ${show(change?.new)}`,
  );
  return parts.length ? parts.join(', ') : null;
}

const who = (entry: AuditEntry) => principalLabel(entry.actor) ?? 'unknown';

function AuditTable({ entries, caption }: { entries: AuditEntry[]; caption: string }) {
  return (
    <Card withBorder radius="md" padding={0}>
      <div role="region" aria-label="Audit log table" tabIndex={0} style={{ overflowX: 'auto' }}>
        <Table striped verticalSpacing="sm" miw={760}>
          <caption className="visually-hidden">{caption}</caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">When</Table.Th>
              <Table.Th scope="col">Who</Table.Th>
              <Table.Th scope="col">What</Table.Th>
              <Table.Th scope="col">Target</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entries.map((entry) => {
              const changes = describeChanges(entry.details);
              return (
                <Table.Tr key={entry.id} data-action={entry.action}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Text size="sm" component="time" dateTime={entry.at}>
                      {formatAbsolute(entry.at)}
                    </Text>
                  </Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{who(entry)}</Table.Td>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {ACTION_LABEL[entry.action] ?? entry.action}
                    </Text>
                    <Code fz="xs">{entry.action}</Code>
                  </Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>
                    {entry.target ?? '–'}
                    {changes && (
                      <Text size="xs" c="dimmed">
                        {changes}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </div>
    </Card>
  );
}

function AuditList({ entries, caption }: { entries: AuditEntry[]; caption: string }) {
  return (
    <Stack component="ol" gap="xs" m={0} p={0} style={{ listStyle: 'none' }} aria-label={caption}>
      {entries.map((entry) => {
        const changes = describeChanges(entry.details);
        return (
          <Card component="li" key={entry.id} withBorder padding="sm" radius="md" data-action={entry.action}>
            <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
              <Text size="sm" fw={600}>
                {ACTION_LABEL[entry.action] ?? entry.action}
              </Text>
              <Code fz="xs">{entry.action}</Code>
            </Group>
            <Text size="sm" mt={4} style={{ overflowWrap: 'anywhere' }}>
              {entry.target ?? '–'}
            </Text>
            {changes && (
              <Text size="xs" c="dimmed">
                {changes}
              </Text>
            )}
            <Text size="xs" c="dimmed" mt={4} style={{ overflowWrap: 'anywhere' }}>
              by {who(entry)} ·{' '}
              <time dateTime={entry.at}>{formatAbsolute(entry.at)}</time>
            </Text>
          </Card>
        );
      })}
    </Stack>
  );
}

/** /admin/audit: who did what, newest first; by kind (?kind=user), 50 at a time. */
export function AuditPage() {
  usePageTitle('Audit log');
  const [params, setParams] = useSearchParams();
  const kind = KINDS.some((k) => k.value === params.get('kind')) ? (params.get('kind') ?? '') : '';
  const log = useInfiniteQuery({
    queryKey: accountKeys.audit(kind || null),
    queryFn: ({ pageParam }) => listAudit({ limit: PAGE, before: pageParam, action: kind || null }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    staleTime: 0,
  });
  const entries = log.data?.pages.flatMap((page) => page.items) ?? [];
  const kindLabel = KINDS.find((k) => k.value === kind)?.label ?? 'Everything';
  const caption = `Audit log, ${kindLabel.toLowerCase()}, newest first`;
  // Below Mantine's sm breakpoint: one card per entry, what happened first (four columns do not fit).
  const narrow = useMediaQuery('(max-width: 47.99em)');

  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>Audit log</Title>
        <Text c="dimmed">Who changed users, API keys and webhooks, and who deleted every product; newest first.</Text>
      </div>

      <NativeSelect
        label="Show"
        data={KINDS}
        value={kind}
        onChange={(event) => setParams(event.currentTarget.value ? { kind: event.currentTarget.value } : {})}
        w={220}
      />

      {log.isPending ? (
        <Loading label="Loading the audit log" />
      ) : log.isError ? (
        <LoadError title="Could not load the audit log" message={log.error.message} onRetry={() => log.refetch()} retrying={log.isFetching} />
      ) : entries.length === 0 ? (
        <Card withBorder radius="md" padding="xl">
          <Stack align="center" gap="sm" py="lg">
            <IconListDetails size={40} stroke={1.5} color="var(--mantine-color-dimmed)" aria-hidden />
            <Title order={2} size="h4">
              {kind ? `Nothing of this kind yet (${kindLabel.toLowerCase()})` : 'Nothing logged yet'}
            </Title>
            <Text size="sm" ta="center" maw={520}>
              Adding or changing users, creating or revoking API keys, changing webhooks and deleting every product are
              logged here, with who did it.
            </Text>
          </Stack>
        </Card>
      ) : (
        <Stack gap="xs">
          {narrow ? <AuditList entries={entries} caption={caption} /> : <AuditTable entries={entries} caption={caption} />}
          <Group justify="center" mt="xs">
            {log.hasNextPage ? (
              <Button variant="light" onClick={() => log.fetchNextPage()} loading={log.isFetchingNextPage}>
                Load older entries
              </Button>
            ) : (
              <Text size="sm" c="dimmed">
                {entries.length} entr{entries.length === 1 ? 'y' : 'ies'}: the whole log{kind ? ' of this kind' : ''}.
              </Text>
            )}
          </Group>
        </Stack>
      )}
    </Stack>
  );
}
