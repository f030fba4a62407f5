import { Alert, Button, Code, CopyButton, Flex, Group, Modal, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react';
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
            <Flex gap="xs" direction={{ base: 'column', xs: 'row' }} align={{ base: 'flex-start', xs: 'stretch' }}>
              <Code
                block
                data-testid="shown-once-value"
                style={{ flex: 1, alignSelf: 'stretch', overflowWrap: 'anywhere', whiteSpace: 'pre-wrap', fontSize: 'var(--mantine-font-size-sm)' }}
              >
                {revealed.value}
              </Code>
              <CopyButton value={revealed.value}>
                {({ copied, copy }) => (
                  <Button
                    onClick={copy}
                    variant={copied ? 'filled' : 'light'}
                    color={copied ? 'teal' : undefined}
                    leftSection={copied ? <IconCheck size={16} aria-hidden /> : <IconCopy size={16} aria-hidden />}
                    style={{ flexShrink: 0 }}
                  >
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
            </Flex>
          </div>
          <Group justify="flex-end">
            <Button onClick={onClose}>I have copied it</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
