import { Badge, Button, Menu, Text } from '@mantine/core';
import { IconChevronDown, IconKey, IconLogout, IconUserCircle } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { signOut } from '../../api/accountsClient';
import { useMe } from '../../auth/session';
import { ROLE_LABEL } from '../../lib/roles';
import { notify } from '../products/notify';

/** The header's "who is signed in": their email and role, and a menu to change the password or sign out. */
export function AccountMenu() {
  const me = useMe();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const out = useMutation({
    mutationFn: signOut,
    onSuccess: () => {
      navigate('/signin', { replace: true });
      queryClient.clear();
      notifications.clean();
    },
    onError: (error) => notify({ color: 'red', title: 'Could not sign out', message: error.message }),
  });

  return (
    // No initial-focus placeholder: Mantine's is a focusable div inside role="menu" (axe, critical).
    <Menu position="bottom-end" width={260} withArrow withInitialFocusPlaceholder={false}>
      <Menu.Target>
        {/* "Account: ops@example.com, Admin": the words seen are in it, in order (axe checks that). */}
        <Button
          aria-label={`Account: ${me.name}, ${ROLE_LABEL[me.role]}`}
          variant="subtle"
          color="gray"
          px="xs"
          leftSection={<IconUserCircle size={20} stroke={1.6} aria-hidden />}
          rightSection={<IconChevronDown size={14} aria-hidden />}
          classNames={{ section: 'account-decor' }}
        >
          {/* One inline wrapper: in the button's flex label the space between the parts would be dropped. */}
          <span>
            <Text
              span
              size="sm"
              fw={500}
              truncate
              maw={220}
              c="var(--mantine-color-text)"
              className="account-email"
              style={{ display: 'inline-block', verticalAlign: 'middle' }}
            >
              {me.name}
            </Text>{' '}
            <Badge variant="light" color={me.role === 'admin' ? 'indigo' : 'gray'} radius="sm" style={{ verticalAlign: 'middle' }}>
              {ROLE_LABEL[me.role]}
            </Badge>
          </span>
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Signed in as</Menu.Label>
        <Text size="sm" fw={500} px="sm" pb={6} style={{ overflowWrap: 'anywhere' }}>
          {me.name} · {ROLE_LABEL[me.role]}
        </Text>
        <Menu.Divider />
        <Menu.Item component={Link} to="/account/password" leftSection={<IconKey size={16} aria-hidden />}>
          Change password
        </Menu.Item>
        <Menu.Item leftSection={<IconLogout size={16} aria-hidden />} onClick={() => out.mutate()} disabled={out.isPending}>
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
