import { Card, Stack, Text, Title } from '@mantine/core';
import { ChangePasswordForm } from '../components/auth/ChangePasswordForm';
import { notify } from '../components/products/notify';
import { useMe } from '../auth/session';
import { usePageTitle } from '../lib/usePageTitle';

/** /account/password: the signed-in user's own password. */
export function AccountPasswordPage() {
  usePageTitle('Change password');
  const me = useMe();
  return (
    <Stack gap="lg" maw={520}>
      <div>
        <Title order={1}>Change password</Title>
        <Text c="dimmed">
          For {me.name}. Your other sessions (other browsers) end; this one stays signed in.
        </Text>
      </div>
      <Card withBorder radius="md" padding="lg">
        <ChangePasswordForm
          onDone={() => notify({ color: 'green', title: 'Password changed', message: 'Your other sessions have ended.' })}
        />
      </Card>
    </Stack>
  );
}
