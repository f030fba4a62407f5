import { AppShell, Burger, Group, NavLink, Text, Title, VisuallyHidden } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconFileImport, IconHistory, IconPackage, IconWebhook } from '@tabler/icons-react';
import { useEffect, useRef } from 'react';
import { NavLink as RouterNavLink, Outlet, createBrowserRouter, useLocation, type RouteObject } from 'react-router';
import { ImportPage } from './pages/ImportPage';
import { ImportsPage } from './pages/ImportsPage';
import { PlaceholderPage } from './pages/PlaceholderPage';
import { WebhookDetailPage } from './pages/WebhookDetailPage';
import { WebhooksPage } from './pages/WebhooksPage';
import { ProductsPage } from './pages/ProductsPage';

const NAV = [
  { to: '/', label: 'Import', icon: IconFileImport, end: true },
  { to: '/imports', label: 'Imports history', icon: IconHistory, end: false },
  { to: '/products', label: 'Products', icon: IconPackage, end: false },
  { to: '/webhooks', label: 'Webhooks', icon: IconWebhook, end: false },
];

export function Shell() {
  const [opened, { toggle, close }] = useDisclosure(false);
  const location = useLocation();
  const main = useRef<HTMLElement>(null);

  // After navigating, close the mobile menu and move focus to the page (keyboard and screen readers).
  const first = useRef(true);
  useEffect(() => {
    close();
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
  }, [location.pathname, close]);

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding={{ base: 'sm', sm: 'lg' }}
    >
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" gap="sm" wrap="nowrap">
          <Burger
            opened={opened}
            onClick={toggle}
            hiddenFrom="sm"
            size="sm"
            aria-label={opened ? 'Close navigation' : 'Open navigation'}
            aria-expanded={opened}
            aria-controls="main-navigation"
          />
          <svg width="26" height="26" viewBox="0 0 32 32" aria-hidden>
            <rect width="32" height="32" rx="6" fill="var(--mantine-color-blue-6)" />
            <path d="M9 21h14M16 8v10m-5-5 5 5 5-5" stroke="#fff" strokeWidth="3" fill="none" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <Title order={2} size="h4" fw={700}>
            Product Importer
          </Title>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" id="main-navigation" component="nav" aria-label="Main">
        {NAV.map(({ to, label, icon: Icon, end }) => (
          <NavLink
            key={to}
            component={RouterNavLink}
            to={to}
            end={end}
            label={label}
            leftSection={<Icon size={18} stroke={1.6} aria-hidden />}
            active={end ? location.pathname === to : location.pathname.startsWith(to)}
            aria-current={(end ? location.pathname === to : location.pathname.startsWith(to)) ? 'page' : undefined}
            style={{ borderRadius: 'var(--mantine-radius-sm)' }}
          />
        ))}
        <Text size="xs" c="dimmed" mt="auto" px="xs">
          CSV imports into the product catalog.
        </Text>
      </AppShell.Navbar>
      <AppShell.Main id="main" ref={main} tabIndex={-1} style={{ outline: 'none' }}>
        <div style={{ maxWidth: 1200, margin: '0 auto' }}>
          <Outlet />
        </div>
      </AppShell.Main>
    </AppShell>
  );
}

function NotFound() {
  return (
    <PlaceholderPage title="Page not found" icon={<VisuallyHidden>404</VisuallyHidden>}>
      There is no page at this address. Use the navigation to go to Import, Imports history, Products or Webhooks.
    </PlaceholderPage>
  );
}

export const routes: RouteObject[] = [
  {
    path: '/',
    element: <Shell />,
    children: [
      { index: true, element: <ImportPage /> },
      { path: 'imports', element: <ImportsPage /> },
      { path: 'products', element: <ProductsPage /> },
      { path: 'webhooks', element: <WebhooksPage /> },
      { path: 'webhooks/:id', element: <WebhookDetailPage /> },
      { path: '*', element: <NotFound /> },
    ],
  },
];

export const createRouter = () => createBrowserRouter(routes);
