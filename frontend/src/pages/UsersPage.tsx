import { Badge, Button, Card, Group, NativeSelect, Stack, Table, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconUserPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  ROLES,
  accountKeys,
  createUser,
  listUsers,
  resetPassword,
  updateUser,
  type Role,
  type User,
  type UserPatch,
  type UserWithPassword,
} from '../api/accountsClient';
import { useMe } from '../auth/session';
import { AdminError, type Problem } from '../components/admin/AdminError';
import { CreateModal } from '../components/admin/CreateModal';
import { ShownOnceModal, type Revealed } from '../components/admin/ShownOnceModal';
import { Refused } from '../components/auth/Refused';
import { LoadError, Loading } from '../components/LoadStates';
import { notify } from '../components/products/notify';
import { ConfirmModal } from '../components/webhooks/ConfirmModal';
import { RelativeTime } from '../components/webhooks/time';
import { formatDateTime } from '../lib/format';
import { principalLabel } from '../lib/principal';
import { ROLE_LABEL } from '../lib/roles';
import { usePageTitle } from '../lib/usePageTitle';
import { FULL_WIDTH } from '../components/admin/style';

type Question = { kind: 'disable' | 'enable' | 'reset'; user: User };

function passwordShown(answer: UserWithPassword, reason: 'created' | 'reset'): Revealed {
  const { user, password } = answer;
  return {
    title: reason === 'created' ? 'User added: their temporary password' : 'Password reset: their temporary password',
    label: `Temporary password for ${user.email}`,
    value: password,
    advice: (
      <>
        Give it to {user.email} over a channel you trust. They sign in with it once and then choose their own; until then
        they can do nothing else. If it is lost, reset the password again.
      </>
    ),
  };
}

const QUESTIONS = {
  disable: {
    title: 'Disable this user?',
    confirm: 'Disable user',
    text: (u: User) => `${u.email} is signed out everywhere at once and can't sign in until enabled again.`,
  },
  enable: { title: 'Enable this user?', confirm: 'Enable user', text: (u: User) => `${u.email} can sign in again with their password.` },
  reset: {
    title: 'Reset this password?',
    confirm: 'Reset password',
    text: (u: User) =>
      `${u.email} gets a new temporary password, shown to you once, and is signed out everywhere. Their current password stops working.`,
  },
};

/** /admin/users: every user; add one (the password shown once), change a role, disable, reset a password. */
export function UsersPage() {
  usePageTitle('Users');
  const me = useMe();
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: accountKeys.users, queryFn: listUsers });
  const [adding, setAdding] = useState(false);
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  // The question stays set while its dialog closes, so that the text does not change during the transition.
  const [asking, setAsking] = useState<{ open: boolean; question: Question | null }>({ open: false, question: null });
  const question = asking.question;
  const setQuestion = (next: Question | null) => setAsking((a) => (next ? { open: true, question: next } : { ...a, open: false }));
  const [problem, setProblem] = useState<Problem | null>(null);
  const isMe = (user: User) => String(user.id) === me.id;

  const changed = (user: User) => {
    void queryClient.invalidateQueries({ queryKey: accountKeys.users });
    void queryClient.invalidateQueries({ queryKey: accountKeys.auditAll });
    if (isMe(user)) void queryClient.invalidateQueries({ queryKey: accountKeys.me });
  };

  const update = useMutation({
    mutationFn: ({ user, patch }: { user: User; patch: UserPatch }) => updateUser(user.id, patch),
    onMutate: () => setProblem(null),
    onSuccess: (updated, { user, patch }) => {
      setQuestion(null);
      changed(user);
      notify({
        color: 'green',
        title: patch.role ? 'Role changed' : updated.disabled ? 'User disabled' : 'User enabled',
        message: patch.role ? `${updated.email} is now ${ROLE_LABEL[updated.role].toLowerCase()}.` : updated.email,
      });
    },
    onError: (error, { user, patch }) => {
      setQuestion(null);
      const what = patch.role ? `change the role of ${user.email}` : `${patch.disabled ? 'disable' : 'enable'} ${user.email}`;
      setProblem({ title: `Could not ${what}`, message: error.message });
    },
  });

  const reset = useMutation({
    mutationFn: (user: User) => resetPassword(user.id),
    onMutate: () => setProblem(null),
    onSuccess: (answer, user) => {
      setQuestion(null);
      changed(user);
      setRevealed(passwordShown(answer, 'reset'));
    },
    onError: (error, user) => {
      setQuestion(null);
      setProblem({ title: `Could not reset the password of ${user.email}`, message: error.message });
    },
  });

  const answer = () => {
    if (!question) return;
    const { kind, user } = question;
    if (kind === 'reset') reset.mutate(user);
    else update.mutate({ user, patch: { disabled: kind === 'disable' } });
  };

  // The role shown while its change is on its way, so that the select does not jump back.
  const shownRole = (user: User): Role =>
    update.isPending && update.variables.user.id === user.id && update.variables.patch.role ? update.variables.patch.role : user.role;

  // The parts of a user shown by both the table and, below Mantine's sm breakpoint, the cards.
  const badges = (user: User) => (
    <Group gap={4} mt={2}>
      {isMe(user) && (
        <Badge size="sm" variant="light" radius="sm">
          You
        </Badge>
      )}
      {user.must_change_password && (
        <Badge size="sm" variant="light" color="orange" radius="sm" style={FULL_WIDTH}>
          Temporary password
        </Badge>
      )}
    </Group>
  );
  const roleSelect = (user: User) => (
    <NativeSelect
      size="xs"
      aria-label={`Role of ${user.email}`}
      data={ROLES.map((role) => ({ value: role, label: ROLE_LABEL[role] }))}
      value={shownRole(user)}
      onChange={(event) => update.mutate({ user, patch: { role: event.currentTarget.value as Role } })}
      w={110}
    />
  );
  const status = (user: User) => (
    <Badge variant="light" color={user.disabled ? 'gray' : 'green'} radius="sm" style={FULL_WIDTH}>
      {user.disabled ? 'Disabled' : 'Active'}
    </Badge>
  );
  const lastSignIn = (user: User) =>
    user.last_sign_in_at ? <RelativeTime iso={user.last_sign_in_at} /> : <Text span size="sm" c="dimmed">never</Text>;
  const actions = (user: User) => (
    <>
      <Button size="compact-sm" variant="default" onClick={() => setQuestion({ kind: 'reset', user })}>
        Reset password…<span className="visually-hidden"> of {user.email}</span>
      </Button>
      {isMe(user) ? (
        <Refused reason="You can't disable your own account: ask another admin.">
          <Button size="compact-sm" variant="default">
            Disable…<span className="visually-hidden"> {user.email}</span>
          </Button>
        </Refused>
      ) : (
        <Button size="compact-sm" variant="default" onClick={() => setQuestion({ kind: user.disabled ? 'enable' : 'disable', user })}>
          {user.disabled ? 'Enable…' : 'Disable…'}
          <span className="visually-hidden"> {user.email}</span>
        </Button>
      )}
    </>
  );

  const total = users.data?.total ?? 0;
  const caption = `${total} users`;
  // Below Mantine's sm breakpoint: one card per user, its actions in reach (six columns do not fit).
  const narrow = useMediaQuery('(max-width: 47.99em)');
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={1}>Users</Title>
          <Text c="dimmed">People who sign in to the dashboard, and their roles.</Text>
        </div>
        <Button leftSection={<IconUserPlus size={16} aria-hidden />} onClick={() => setAdding(true)}>
          Add user
        </Button>
      </Group>

      <AdminError problem={problem} onClose={() => setProblem(null)} />

      {users.isPending ? (
        <Loading label="Loading users" />
      ) : users.isError ? (
        <LoadError title="Could not load the users" message={users.error.message} onRetry={() => users.refetch()} retrying={users.isFetching} />
      ) : (
        <Stack gap="xs">
          <Text size="sm" c="dimmed" aria-hidden>
            {total.toLocaleString()} user{total === 1 ? '' : 's'}
          </Text>
          {narrow ? (
            <Stack component="ul" gap="xs" m={0} p={0} style={{ listStyle: 'none' }} aria-label={caption}>
              {users.data.items.map((user) => (
                <Card component="li" key={user.id} withBorder padding="sm" radius="md" data-user={user.email}>
                  <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
                    <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                      {user.email}
                    </Text>
                    {status(user)}
                  </Group>
                  {badges(user)}
                  <Group gap="xs" mt="xs">
                    <Text size="sm" c="dimmed" aria-hidden>
                      Role
                    </Text>
                    {roleSelect(user)}
                  </Group>
                  <Text size="sm" mt={4}>
                    <Text span c="dimmed">
                      Last sign-in{' '}
                    </Text>
                    {lastSignIn(user)}
                  </Text>
                  <Text size="sm">
                    <Text span c="dimmed">
                      Added{' '}
                    </Text>
                    {formatDateTime(user.created_at)}
                    {user.created_by && <Text span c="dimmed">{` by ${principalLabel(user.created_by)}`}</Text>}
                  </Text>
                  <Group gap="xs" mt="xs">
                    {actions(user)}
                  </Group>
                </Card>
              ))}
            </Stack>
          ) : (
            <Card withBorder radius="md" padding={0}>
              <div role="region" aria-label="Users table" tabIndex={0} style={{ overflowX: 'auto' }}>
                <Table striped verticalSpacing="sm" miw={860}>
                  <caption className="visually-hidden">{caption}</caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">User</Table.Th>
                      <Table.Th scope="col">Role</Table.Th>
                      <Table.Th scope="col">Status</Table.Th>
                      <Table.Th scope="col">Last sign-in</Table.Th>
                      <Table.Th scope="col">Added</Table.Th>
                      <Table.Th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {users.data.items.map((user) => (
                      <Table.Tr key={user.id} data-user={user.email}>
                        <Table.Td>
                          <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
                            {user.email}
                          </Text>
                          {badges(user)}
                        </Table.Td>
                        <Table.Td>{roleSelect(user)}</Table.Td>
                        <Table.Td>{status(user)}</Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{lastSignIn(user)}</Table.Td>
                        <Table.Td>
                          <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                            {formatDateTime(user.created_at)}
                          </Text>
                          {user.created_by && (
                            <Text size="xs" c="dimmed">
                              by {principalLabel(user.created_by)}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <Group gap="xs" wrap="nowrap" justify="flex-end">
                            {actions(user)}
                          </Group>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </div>
            </Card>
          )}
        </Stack>
      )}

      <CreateModal<UserWithPassword>
        opened={adding}
        onClose={() => setAdding(false)}
        title="Add a user"
        field={{ name: 'email', label: 'Email', type: 'email', maxLength: 254, description: 'They sign in with it.' }}
        create={(email, role) => createUser({ email, role })}
        onCreated={(answer) => {
          void queryClient.invalidateQueries({ queryKey: accountKeys.users });
          void queryClient.invalidateQueries({ queryKey: accountKeys.auditAll });
          setRevealed(passwordShown(answer, 'created'));
        }}
        submitLabel="Add user"
      />
      <ConfirmModal
        opened={asking.open}
        title={question ? QUESTIONS[question.kind].title : ''}
        confirmLabel={question ? QUESTIONS[question.kind].confirm : ''}
        color={question?.kind === 'enable' ? 'blue' : 'red'}
        loading={update.isPending || reset.isPending}
        onConfirm={answer}
        onClose={() => setQuestion(null)}
      >
        {question && QUESTIONS[question.kind].text(question.user)}
      </ConfirmModal>
      <ShownOnceModal revealed={revealed} onClose={() => setRevealed(null)} />
    </Stack>
  );
}
