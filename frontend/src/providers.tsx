import {
  type CSSVariablesResolver,
  DEFAULT_THEME,
  MantineProvider,
  type MantineColorsTuple,
  createTheme,
} from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';

/** `colors[name]` with its darkest shade replaced. */
function withShade9(name: 'green' | 'orange', shade9: string): MantineColorsTuple {
  const shades = [...DEFAULT_THEME.colors[name]];
  shades[9] = shade9;
  return shades as unknown as MantineColorsTuple;
}

// Contrast (WCAG AA, 4.5:1 for text; axe checks it in the browser tests): Mantine's default
// shade 6 fails on white for every color used here (white on blue-6 is 3.6:1, gray-6 "dimmed"
// text 3.3:1, green-6 2.4:1). Shade 9 passes for blue, indigo, red and gray, in filled and light
// variants; green-9 and orange-9 do not, so they are a little darker here.
export const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: { light: 9, dark: 8 },
  colors: {
    green: withShade9('green', '#237a37'), // 5.4:1 on white
    orange: withShade9('orange', '#b8420f'), // 5.5:1 on white
  },
  defaultRadius: 'sm',
  // People who ask their system for less motion get no modal fades or slides.
  respectReducedMotion: true,
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
});

const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': '#5c636a', // 6.1:1 on white (gray-6 is 3.3:1)
    '--mantine-color-error': 'var(--mantine-color-red-8)', // field errors (red-6 is 3.3:1)
    // Light badges' text on their own tint (green-9 on it is 4.45:1): a shade darker.
    '--mantine-color-green-light-color': '#1f6b30',
    '--mantine-color-orange-light-color': '#a33a0b',
    '--mantine-color-gray-light-color': 'var(--mantine-color-gray-8)',
  },
  dark: {},
});

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 5_000, retry: 1, refetchOnWindowFocus: true },
      mutations: { retry: false },
    },
  });
}

export function Providers({ client, children }: { client: QueryClient; children: ReactNode }) {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="auto">
      <Notifications position="top-right" />
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    </MantineProvider>
  );
}
