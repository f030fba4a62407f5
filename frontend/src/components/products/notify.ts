import { notifications } from '@mantine/notifications';
import type { ReactNode } from 'react';
import classes from './products.module.css';

interface Notice {
  color: 'green' | 'red' | 'gray';
  title: string;
  message: ReactNode;
  /** Shown while a modal stays open: at the bottom, so as not to cover the modal's close button. */
  overModal?: boolean;
  /** To hide it later (a failure once the retry succeeded). */
  id?: string;
}

/** A notification whose close button has a name (Mantine's has none: a critical axe finding). */
export function notify({ color, title, message, overModal, id }: Notice) {
  // Mantine ignores a notification whose id is shown already: the newer news replaces it.
  if (id) notifications.hide(id);
  notifications.show({
    id,
    color,
    title,
    message,
    className: classes.scope,
    classNames: { description: classes.notificationDescription },
    position: overModal ? 'bottom-center' : undefined,
    closeButtonProps: { 'aria-label': 'Dismiss notification' },
  });
}

export function dismiss(id: string) {
  notifications.hide(id);
}
