import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { CopyableSecret } from '../CopyableSecret';
import type { ReactNode } from 'react';
import { MODAL_PROPS } from '../webhooks/style';

export interface Revealed {
  /** The dialog's title: "User added: their temporary password". */
  title: string;
  /** What the value is, as its label: "Temporary password for ops@example.com". */
  label: string;
  value: string;
  /** What to do with it, under the warning. */
  advice: ReactNode;
}

/**
 * A secret the API answers once (a generated password, an API key): shown in full with a copy
 * button and the warning that it won't be shown again. It lives in this dialog's props only,
 * never in the query cache, so closing the dialog forgets it. Closed only by its button or
 * Escape, not by a stray click beside it.
 */
export function ShownOnceModal({ revealed, onClose }: { revealed: Revealed | null; onClose: () => void }) {
  return (
    <Modal {...MODAL_PROPS} opened={revealed != null} onClose={onClose} title={revealed?.title} closeOnClickOutside={false} size="lg">
      {revealed && (
        <Stack gap="md">
          <Alert color="yellow" variant="light" icon={<IconAlertTriangle aria-hidden />} title="Copy it now: it won't be shown again">
            {revealed.advice}
          </Alert>
          <div>
            <Text size="sm" c="dimmed" mb={4}>
              {revealed.label}
            </Text>
            <CopyableSecret value={revealed.value} codeProps={{ 'data-testid': 'shown-once-value' }} />
          </div>
          <Group justify="flex-end">
            <Button onClick={onClose}>I have copied it</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
