import { Alert, Button, Center, Group, Loader, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { ReactNode } from 'react';

/** A spinner where data is about to appear; `label` is what screen readers hear. */
export function Loading({ label, className }: { label: string; className?: string }) {
  return (
    <Center py="xl" className={className}>
      <Loader role="status" aria-label={label} />
    </Center>
  );
}

/** Data could not be loaded: what failed, why, and (with `onRetry`) a way to try again. */
export function LoadError({
  title,
  message,
  onRetry,
  retrying = false,
  children,
}: {
  title: string;
  message: ReactNode;
  onRetry?: () => void;
  retrying?: boolean;
  children?: ReactNode;
}) {
  return (
    <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} title={title} role="alert">
      <Stack gap="sm" align="flex-start">
        <Text size="sm">{message}</Text>
        {(onRetry || children) && (
          <Group gap="xs">
            {onRetry && (
              <Button size="xs" variant="light" color="red" onClick={onRetry} loading={retrying}>
                Try again
              </Button>
            )}
            {children}
          </Group>
        )}
      </Stack>
    </Alert>
  );
}
