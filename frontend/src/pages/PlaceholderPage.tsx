import { Card, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { usePageTitle } from '../lib/usePageTitle';

export function PlaceholderPage({ title, icon, children }: { title: string; icon: ReactNode; children: ReactNode }) {
  usePageTitle(title);
  return (
    <Stack gap="lg">
      <Title order={1}>{title}</Title>
      <Card withBorder radius="md" padding="xl">
        <Stack align="center" gap="sm" py="xl">
          {icon}
          <Text ta="center" maw={520}>
            {children}
          </Text>
        </Stack>
      </Card>
    </Stack>
  );
}
