import './webhooks.css';

/** The class that gives the Webhooks screens' text enough contrast (see webhooks.css). */
export const SCOPE = 'webhooks-scope';

/** Red text readable on both schemes (red.6, the default, is 3.3:1 on white). */
export const ERROR_TEXT = 'light-dark(var(--mantine-color-red-9), var(--mantine-color-red-4))';

/** Success and failure colours dark enough for white badge text (green.6 is 2.8:1). */
export const OK_COLOR = 'teal.9';
export const FAIL_COLOR = 'red.9';
export const PENDING_COLOR = 'blue.8';

/** Every modal here: the contrast scope, and a close button with a name. */
export const MODAL_PROPS = { className: SCOPE, closeButtonProps: { 'aria-label': 'Close' } } as const;
