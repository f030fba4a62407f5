import { Box, Card, Center, Group, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Logo } from '../components/Logo';
import { usePageTitle } from '../lib/usePageTitle';

/** The pages outside the app shell (sign-in, the first password change): one centred card. */
export function AuthLayout({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  usePageTitle(title);
  return (
    <Box component="main" id="main" mih="100dvh" bg="light-dark(var(--mantine-color-gray-0), var(--mantine-color-dark-8))" px="sm" py="xl">
      <Center>
        <Stack gap="lg" w="100%" maw={420}>
          <Group gap="sm" justify="center">
            <Logo size={32} />
            <Text fw={700} size="lg">
              Product Importer
            </Text>
          </Group>
          <Card withBorder radius="md" padding="lg" shadow="xs">
            <Stack gap="md">
              <div>
                <Title order={1} size="h2">
                  {title}
                </Title>
                {intro && (
                  <Text size="sm" c="dimmed" mt={4}>
                    {intro}
                  </Text>
                )}
              </div>
              {children}
            </Stack>
          </Card>
        </Stack>
      </Center>
    </Box>
  );
}
