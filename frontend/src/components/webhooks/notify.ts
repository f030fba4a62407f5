import { notifications } from '@mantine/notifications';
import type { ReactNode } from 'react';

/** A notification of this screen: its contrast fixes (webhooks.css) and a named close button. */
export function notify({ color, title, message }: { color: string; title: string; message: ReactNode }) {
  notifications.show({
    color,
    title,
    message,
    className: 'webhooks-scope',
    closeButtonProps: { 'aria-label': 'Dismiss notification' },
  });
}
