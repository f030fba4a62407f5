import { Card, Stack, Text, Title } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useMe, useRefusal } from '../../auth/session';
import { ROLE_LABEL, type Action } from '../../lib/roles';
import { usePageTitle } from '../../lib/usePageTitle';

/**
 * A screen for some roles only: for the others, a page that says so (and why) instead of the
 * screen's calls failing with 403.
 */
export function RequireRole({ action, title, children }: { action: Action; title: string; children: ReactNode }) {
  const reason = useRefusal(action);
  return reason ? <RefusedPage title={title} reason={reason} /> : <>{children}</>;
}

function RefusedPage({ title, reason }: { title: string; reason: string }) {
  usePageTitle(title);
  const me = useMe();
  return (
    <Stack gap="lg">
      <Title order={1}>{title}</Title>
      <Card withBorder radius="md" padding="xl">
        <Stack align="center" gap="sm" py="lg">
          <IconLock size={40} stroke={1.5} color="var(--mantine-color-dimmed)" aria-hidden />
          <Title order={2} size="h4">
            Admins only
          </Title>
          <Text ta="center" maw={520}>
            {reason}
          </Text>
          <Text size="sm" c="dimmed" ta="center">
            You are signed in as {me.name} with the {ROLE_LABEL[me.role].toLowerCase()} role.
          </Text>
        </Stack>
      </Card>
    </Stack>
  );
}
