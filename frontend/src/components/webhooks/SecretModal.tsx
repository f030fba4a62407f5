import { Alert, Button, Code, CopyButton, Flex, Group, Modal, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react';
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
            <Flex gap="xs" direction={{ base: 'column', xs: 'row' }} align={{ base: 'flex-start', xs: 'stretch' }}>
              <Code
                block
                aria-label="Signing secret"
                style={{ flex: 1, alignSelf: 'stretch', overflowWrap: 'anywhere', whiteSpace: 'pre-wrap', fontSize: 'var(--mantine-font-size-sm)' }}
              >
                {revealed.secret}
              </Code>
              <CopyButton value={revealed.secret}>
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
