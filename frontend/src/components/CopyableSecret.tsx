import { Button, Code, CopyButton, Flex } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';

/**
 * A secret shown in full (a password, an API key, a webhook signing secret), wrapping anywhere,
 * with a Copy button beside it (under it on a phone). The dialogs that show one once use it.
 */
export function CopyableSecret({
  value,
  codeProps,
}: {
  value: string;
  /** The value's own attributes: an aria-label, a data-testid. */
  codeProps?: Record<`aria-${string}` | `data-${string}`, string>;
}) {
  return (
    <Flex gap="xs" direction={{ base: 'column', xs: 'row' }} align={{ base: 'flex-start', xs: 'stretch' }}>
      <Code
        block
        {...codeProps}
        style={{ flex: 1, alignSelf: 'stretch', overflowWrap: 'anywhere', whiteSpace: 'pre-wrap', fontSize: 'var(--mantine-font-size-sm)' }}
      >
        {value}
      </Code>
      <CopyButton value={value}>
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
  );
}
