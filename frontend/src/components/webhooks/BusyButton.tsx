import { Button, Loader, type ButtonProps } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A button that shows a spinner while its request runs but stays enabled and focusable: Mantine's
 * `loading` disables the button, and a focused button that gets disabled drops the keyboard focus
 * to the page. Clicks while busy are ignored.
 */
export function BusyButton({
  busy,
  icon,
  onClick,
  children,
  ...props
}: ButtonProps & { busy: boolean; icon: ReactNode; onClick: () => void; children: ReactNode; 'aria-label'?: string }) {
  return (
    <Button
      {...props}
      leftSection={busy ? <Loader size={14} color="currentColor" aria-hidden /> : icon}
      aria-busy={busy || undefined}
      onClick={() => {
        if (!busy) onClick();
      }}
    >
      {children}
    </Button>
  );
}
