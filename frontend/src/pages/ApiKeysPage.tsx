import { Badge, Button, Card, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconKey, IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { accountKeys, createApiKey, listApiKeys, revokeApiKey, type ApiKey, type ApiKeyWithSecret } from '../api/accountsClient';
import { AdminError, type Problem } from '../components/admin/AdminError';
import { CreateModal } from '../components/admin/CreateModal';
import { ShownOnceModal, type Revealed } from '../components/admin/ShownOnceModal';
import { LoadError, Loading } from '../components/LoadStates';
import { notify } from '../components/products/notify';
import { ConfirmModal } from '../components/webhooks/ConfirmModal';
import { RelativeTime } from '../components/webhooks/time';
import { formatDateTime } from '../lib/format';
import { principalLabel } from '../lib/principal';
import { ROLE_LABEL } from '../lib/roles';
import { usePageTitle } from '../lib/usePageTitle';
import { FULL_WIDTH } from '../components/admin/style';

function keyShown({ api_key, key }: ApiKeyWithSecret): Revealed {
  return {
    title: 'API key created',
    label: `API key ${api_key.name} (${ROLE_LABEL[api_key.role].toLowerCase()})`,
    value: key,
    advice: (
      <>
        Only its hash is kept. Put it where the script reads its secrets; the script sends it as{' '}
        <Code>Authorization: Bearer &lt;key&gt;</Code>. If it is lost, revoke it and create another.
      </>
    ),
  };
}

/** The parts of a key shown by both the table and the cards. */
const status = (key: ApiKey) => (
  <Badge variant="light" color={key.revoked_at ? 'gray' : 'green'} radius="sm" style={FULL_WIDTH}>
    {key.revoked_at ? 'Revoked' : 'Live'}
  </Badge>
);
const lastUsed = (key: ApiKey) =>
  key.last_used_at ? <RelativeTime iso={key.last_used_at} /> : <Text span size="sm" c="dimmed">never</Text>;

/** /admin/api-keys: keys for scripts, each with a role; created (shown once), listed, revoked. */
export function ApiKeysPage() {
  usePageTitle('API keys');
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: accountKeys.apiKeys, queryFn: listApiKeys });
  const [creating, setCreating] = useState(false);
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  // Stays set while the dialog closes, so that its text does not change during the transition.
  const [revoking, setRevoking] = useState<{ open: boolean; key: ApiKey | null }>({ open: false, key: null });
  const [problem, setProblem] = useState<Problem | null>(null);

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: accountKeys.apiKeys });
    void queryClient.invalidateQueries({ queryKey: accountKeys.auditAll });
  };
  const revoke = useMutation({
    mutationFn: (key: ApiKey) => revokeApiKey(key.id),
    onMutate: () => setProblem(null),
    onSuccess: (revoked) => {
      setRevoking((r) => ({ ...r, open: false }));
      refresh();
      notify({ color: 'green', title: 'API key revoked', message: `${revoked.name} is refused from now on.` });
    },
    onError: (error, key) => {
      setRevoking((r) => ({ ...r, open: false }));
      setProblem({ title: `Could not revoke ${key.name}`, message: error.message });
    },
  });

  const items = keys.data?.items ?? [];
  const live = items.filter((key) => !key.revoked_at).length;
  const caption = `${live} live and ${items.length - live} revoked API keys`;
  // Below Mantine's sm breakpoint: one card per key, its action in reach (seven columns do not fit).
  const narrow = useMediaQuery('(max-width: 47.99em)');
  const revokeButton = (key: ApiKey) => (
    <Button size="compact-sm" variant="default" color="red" onClick={() => setRevoking({ open: true, key })}>
      Revoke…<span className="visually-hidden"> {key.name}</span>
    </Button>
  );
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={1}>API keys</Title>
          <Text c="dimmed">Keys let scripts use the API with a role of their own. People sign in instead.</Text>
        </div>
        {items.length > 0 && (
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
            Create key
          </Button>
        )}
      </Group>

      <AdminError problem={problem} onClose={() => setProblem(null)} />

      {keys.isPending ? (
        <Loading label="Loading API keys" />
      ) : keys.isError ? (
        <LoadError title="Could not load the API keys" message={keys.error.message} onRetry={() => keys.refetch()} retrying={keys.isFetching} />
      ) : items.length === 0 ? (
        <Card withBorder radius="md" padding="xl">
          <Stack align="center" gap="sm" py="lg">
            <IconKey size={40} stroke={1.5} color="var(--mantine-color-dimmed)" aria-hidden />
            <Title order={2} size="h4">
              No API keys yet
            </Title>
            <Text size="sm" ta="center" maw={520}>
              A key is for a script (a nightly import, say): it is shown once when created, carries a role, and can be
              revoked at any time.
            </Text>
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)} mt="xs">
              Create key
            </Button>
          </Stack>
        </Card>
      ) : (
        <Stack gap="xs">
          <Text size="sm" c="dimmed" aria-hidden>
            {live} live, {items.length - live} revoked
          </Text>
          {narrow ? (
            <Stack component="ul" gap="xs" m={0} p={0} style={{ listStyle: 'none' }} aria-label={caption}>
              {items.map((key) => (
                <Card component="li" key={key.id} withBorder padding="sm" radius="md" data-key={key.name}>
                  <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
                    <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                      {key.name}
                    </Text>
                    {status(key)}
                  </Group>
                  <Group gap="md" mt={4}>
                    <Text size="sm">
                      <Text span c="dimmed">
                        Role{' '}
                      </Text>
                      {ROLE_LABEL[key.role]}
                    </Text>
                    <Text size="sm">
                      <Text span c="dimmed">
                        Key{' '}
                      </Text>
                      <Code>{key.prefix}…</Code>
                    </Text>
                  </Group>
                  <Text size="sm" mt={4}>
                    <Text span c="dimmed">
                      Created{' '}
                    </Text>
                    {formatDateTime(key.created_at)}
                    {key.created_by && <Text span c="dimmed">{` by ${principalLabel(key.created_by)}`}</Text>}
                  </Text>
                  <Text size="sm">
                    <Text span c="dimmed">
                      Last used{' '}
                    </Text>
                    {lastUsed(key)}
                  </Text>
                  {key.revoked_at ? (
                    <Text size="sm">
                      <Text span c="dimmed">
                        Revoked{' '}
                      </Text>
                      {formatDateTime(key.revoked_at)}
                      {key.revoked_by && <Text span c="dimmed">{` by ${principalLabel(key.revoked_by)}`}</Text>}
                    </Text>
                  ) : (
                    <Group mt="xs">{revokeButton(key)}</Group>
                  )}
                </Card>
              ))}
            </Stack>
          ) : (
            <Card withBorder radius="md" padding={0}>
              <div role="region" aria-label="API keys table" tabIndex={0} style={{ overflowX: 'auto' }}>
                <Table striped verticalSpacing="sm" miw={900}>
                  <caption className="visually-hidden">{caption}</caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Name</Table.Th>
                      <Table.Th scope="col">Role</Table.Th>
                      <Table.Th scope="col">Key</Table.Th>
                      <Table.Th scope="col">Created</Table.Th>
                      <Table.Th scope="col">Last used</Table.Th>
                      <Table.Th scope="col">Status</Table.Th>
                      <Table.Th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {items.map((key) => (
                      <Table.Tr key={key.id} data-key={key.name}>
                        <Table.Td>
                          <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
                            {key.name}
                          </Text>
                        </Table.Td>
                        <Table.Td>{ROLE_LABEL[key.role]}</Table.Td>
                        <Table.Td>
                          <Code>{key.prefix}…</Code>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                            {formatDateTime(key.created_at)}
                          </Text>
                          {key.created_by && (
                            <Text size="xs" c="dimmed">
                              by {principalLabel(key.created_by)}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{lastUsed(key)}</Table.Td>
                        <Table.Td>
                          {status(key)}
                          {key.revoked_at && (
                            <Text size="xs" c="dimmed" mt={2}>
                              {formatDateTime(key.revoked_at)}
                              {key.revoked_by ? ` by ${principalLabel(key.revoked_by)}` : ''}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td ta="right">{!key.revoked_at && revokeButton(key)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </div>
            </Card>
          )}
        </Stack>
      )}

      <CreateModal<ApiKeyWithSecret>
        opened={creating}
        onClose={() => setCreating(false)}
        title="Create an API key"
        field={{ name: 'name', label: 'Name', maxLength: 100, description: 'What uses it, to recognise it later: ci-nightly, erp-sync.' }}
        create={(name, role) => createApiKey({ name, role })}
        onCreated={(answer) => {
          refresh();
          setRevealed(keyShown(answer));
        }}
        submitLabel="Create key"
      />
      <ConfirmModal
        opened={revoking.open}
        title="Revoke this API key?"
        confirmLabel="Revoke key"
        loading={revoke.isPending}
        onConfirm={() => revoking.key && revoke.mutate(revoking.key)}
        onClose={() => setRevoking((r) => ({ ...r, open: false }))}
      >
        {revoking.key && (
          <>
            Scripts using <strong>{revoking.key.name}</strong> ({revoking.key.prefix}…) are refused within seconds. This
            can't be undone: a revoked key stays listed, and a new key is a new secret.
          </>
        )}
      </ConfirmModal>
      <ShownOnceModal revealed={revealed} onClose={() => setRevealed(null)} />
    </Stack>
  );
}
