/** Red text readable on both schemes (red.6, the default, is under 4.5:1 on white). */
export const ERROR_TEXT = 'light-dark(var(--mantine-color-red-8), var(--mantine-color-red-4))';
