import { Alert, Button, Code, Group, Modal, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { CopyableSecret } from '../CopyableSecret';
import type { RefObject } from 'react';
import { MODAL_PROPS } from './style';
import { formatAbsolute } from './time';

export interface RevealedSecret {
  secret: string;
  url: string;
  reason: 'created' | 'rotated';
  /** After a rotation: until then the old secret signs too. */
  previousExpiresAt: string | null;
}

/**
 * The signing secret, in full, once: the API shows it only in the answer of create and of
 * rotate-secret. It lives in this modal's props only (never in the query cache), so closing the
 * modal forgets it.
 */
export function SecretModal({
  revealed,
  onClose,
  returnFocusTo,
}: {
  revealed: RevealedSecret | null;
  onClose: () => void;
  /** Where focus goes back to when it closes: it opens as another modal closes, whose button is gone. */
  returnFocusTo?: RefObject<HTMLElement | null>;
}) {
  return (
    <Modal
      {...MODAL_PROPS}
      opened={revealed != null}
      onClose={onClose}
      title={revealed?.reason === 'rotated' ? 'New signing secret' : 'Endpoint added: its signing secret'}
      closeOnClickOutside={false}
      size="lg"
      returnFocus={!returnFocusTo}
      onExitTransitionEnd={() => returnFocusTo?.current?.focus()}
    >
      {revealed && (
        <Stack gap="md">
          <Alert color="yellow" variant="light" icon={<IconAlertTriangle aria-hidden />} title="Copy it now: it won't be shown again">
            Store this secret where your receiver can read it. After you close this window only its last four characters
            are shown; if you lose it, rotate the secret.
          </Alert>
          <div>
            <Text size="sm" c="dimmed" mb={4}>
              Signing secret for <span style={{ overflowWrap: 'anywhere' }}>{revealed.url}</span>
            </Text>
            <CopyableSecret value={revealed.secret} codeProps={{ 'aria-label': 'Signing secret' }} />
          </div>
          {revealed.reason === 'rotated' && revealed.previousExpiresAt && (
            <Text size="sm">
              The previous secret keeps signing too (a second signature) until {formatAbsolute(revealed.previousExpiresAt)},
              so your receiver can switch over without missing a delivery.
            </Text>
          )}
          <Text size="sm" c="dimmed">
            Receivers verify the <Code>webhook-signature</Code> header with it (Standard Webhooks).
          </Text>
          <Group justify="flex-end">
            <Button onClick={onClose}>I have saved the secret</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
