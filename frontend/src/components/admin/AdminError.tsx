import { Alert } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';

export interface Problem {
  title: string;
  message: string;
}

/**
 * A refused change on an admin screen (say 409 last_admin), at the top of the screen until
 * dismissed or the next change: a notification would be gone before it is read.
 */
export function AdminError({ problem, onClose }: { problem: Problem | null; onClose: () => void }) {
  if (!problem) return null;
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlertTriangle aria-hidden />}
      title={problem.title}
      role="alert"
      withCloseButton
      closeButtonLabel="Dismiss error"
      onClose={onClose}
    >
      {problem.message}
    </Alert>
  );
}
