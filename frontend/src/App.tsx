import { AppShell, Burger, Group, NavLink, Text, Title, VisuallyHidden } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconFileImport, IconHistory, IconKey, IconListDetails, IconPackage, IconUsers, IconWebhook } from '@tabler/icons-react';
import { useEffect, useRef, type ReactElement } from 'react';
import { NavLink as RouterNavLink, Outlet, createBrowserRouter, useLocation, type RouteObject } from 'react-router';
import type { Role } from './api/accountsClient';
import { SessionGate } from './auth/SessionGate';
import { SignInPage } from './auth/SignInPage';
import { useRole } from './auth/session';
import { AccountMenu } from './components/auth/AccountMenu';
import { RequireRole } from './components/auth/RequireRole';
import { Logo } from './components/Logo';
import { may } from './lib/roles';
import { AccountPasswordPage } from './pages/AccountPasswordPage';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { AuditPage } from './pages/AuditPage';
import { UsersPage } from './pages/UsersPage';
import { ImportPage } from './pages/ImportPage';
import { ImportsPage } from './pages/ImportsPage';
import { PlaceholderPage } from './pages/PlaceholderPage';
import { WebhookDetailPage } from './pages/WebhookDetailPage';
import { WebhooksPage } from './pages/WebhooksPage';
import { ProductsPage } from './pages/ProductsPage';

interface NavItem {
  to: string;
  label: string;
  icon: typeof IconFileImport;
  end: boolean;
  /** Shown to this role and those above it only: a link to a screen that would only refuse is noise. */
  role: Role;
}

const NAV: NavItem[] = [
  { to: '/', label: 'Import', icon: IconFileImport, end: true, role: 'viewer' },
  { to: '/imports', label: 'Imports history', icon: IconHistory, end: false, role: 'viewer' },
  { to: '/products', label: 'Products', icon: IconPackage, end: false, role: 'viewer' },
  { to: '/webhooks', label: 'Webhooks', icon: IconWebhook, end: false, role: 'admin' },
];

const ADMIN_NAV: NavItem[] = [
  { to: '/admin/users', label: 'Users', icon: IconUsers, end: false, role: 'admin' },
  { to: '/admin/api-keys', label: 'API keys', icon: IconKey, end: false, role: 'admin' },
  { to: '/admin/audit', label: 'Audit log', icon: IconListDetails, end: false, role: 'admin' },
];

function NavLinks({ items }: { items: NavItem[] }) {
  const location = useLocation();
  return items.map(({ to, label, icon: Icon, end }) => {
    const active = end ? location.pathname === to : location.pathname.startsWith(to);
    return (
      <NavLink
        key={to}
        component={RouterNavLink}
        to={to}
        end={end}
        label={label}
        leftSection={<Icon size={18} stroke={1.6} aria-hidden />}
        active={active}
        aria-current={active ? 'page' : undefined}
        style={{ borderRadius: 'var(--mantine-radius-sm)' }}
      />
    );
  });
}

export function Shell() {
  const [opened, { toggle, close }] = useDisclosure(false);
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const role = useRole();
  const nav = NAV.filter((item) => may(role, item.role));
  const adminNav = ADMIN_NAV.filter((item) => may(role, item.role));

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
        <Group h="100%" px={{ base: 'sm', sm: 'md' }} gap="xs" wrap="nowrap">
          <Burger
            opened={opened}
            onClick={toggle}
            hiddenFrom="sm"
            size="sm"
            aria-label={opened ? 'Close navigation' : 'Open navigation'}
            aria-expanded={opened}
            aria-controls="main-navigation"
          />
          <Logo />
          <Title order={2} size="h4" fw={700} style={{ whiteSpace: 'nowrap', minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis' }}>
            Product Importer
          </Title>
          <Group ml="auto" gap="xs" wrap="nowrap" style={{ flexShrink: 0 }}>
            <AccountMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" id="main-navigation" component="nav" aria-label="Main">
        <NavLinks items={nav} />
        {adminNav.length > 0 && (
          <div role="group" aria-labelledby="nav-admin">
            <Text id="nav-admin" size="xs" fw={700} c="dimmed" tt="uppercase" px="xs" mt="md" mb={4}>
              Admin
            </Text>
            <NavLinks items={adminNav} />
          </div>
        )}
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
      There is no page at this address. Use the navigation to go to another screen.
    </PlaceholderPage>
  );
}

const adminOnly = (title: string, page: ReactElement) => (
  <RequireRole action="admin" title={title}>
    {page}
  </RequireRole>
);

export const routes: RouteObject[] = [
  { path: '/signin', element: <SignInPage /> },
  {
    path: '/',
    element: (
      <SessionGate>
        <Shell />
      </SessionGate>
    ),
    children: [
      { index: true, element: <ImportPage /> },
      { path: 'imports', element: <ImportsPage /> },
      { path: 'products', element: <ProductsPage /> },
      {
        path: 'webhooks',
        element: (
          <RequireRole action="webhooks" title="Webhooks">
            <WebhooksPage />
          </RequireRole>
        ),
      },
      {
        path: 'webhooks/:id',
        element: (
          <RequireRole action="webhooks" title="Webhook">
            <WebhookDetailPage />
          </RequireRole>
        ),
      },
      { path: 'admin/users', element: adminOnly('Users', <UsersPage />) },
      { path: 'admin/api-keys', element: adminOnly('API keys', <ApiKeysPage />) },
      { path: 'admin/audit', element: adminOnly('Audit log', <AuditPage />) },
      { path: 'account/password', element: <AccountPasswordPage /> },
      { path: '*', element: <NotFound /> },
    ],
  },
];

export const createRouter = () => createBrowserRouter(routes);
