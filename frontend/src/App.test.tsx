import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { RouterProvider, createMemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Me } from './api/accountsClient';
import { routes } from './App';
import { theme } from './providers';
import { FakeEventSource, fakeApi, me } from './test/utils';

const EMPTY_LIST = { items: [], total: 0, total_is_estimate: false, limit: 50, offset: 0, next_cursor: null };
const notSignedIn = [401, { error: { status: 401, code: 'not_authenticated', message: 'Sign in.' } }];
const expired = [401, { error: { status: 401, code: 'session_expired', message: 'Your session has ended: sign in again.' } }];

function renderApp(path: string) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  render(
    <MantineProvider theme={theme}>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return router;
}

const signedInAs = (who: Me) => ({ '/api/auth/me': who, '/api/products': EMPTY_LIST, '/api/imports': EMPTY_LIST });

describe('app shell', () => {
  beforeEach(() => FakeEventSource.install());
  afterEach(() => vi.unstubAllGlobals());

  it('navigates between the screens from the main navigation', async () => {
    fakeApi(signedInAs(me('admin')));
    renderApp('/');
    expect(await screen.findByRole('heading', { level: 1, name: 'Import products' })).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Import' })).toHaveAttribute('aria-current', 'page');

    await userEvent.click(within(nav).getByRole('link', { name: 'Products' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Products' })).toBeInTheDocument();
    expect(await screen.findByText('No products yet')).toBeInTheDocument();
    expect(within(nav).getByRole('link', { name: 'Products' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('main')).toHaveFocus();
  });

  it('shows an admin the Webhooks link and the Admin group; the header names them and their role', async () => {
    fakeApi(signedInAs(me('admin', 'ops@example.com')));
    renderApp('/');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Webhooks' })).toBeInTheDocument();
    const admin = within(nav).getByRole('group', { name: 'Admin' });
    expect(within(admin).getAllByRole('link').map((a) => a.textContent)).toEqual(['Users', 'API keys', 'Audit log']);
    expect(screen.getByRole('button', { name: 'Account: ops@example.com, Admin' })).toBeInTheDocument();
  });

  it.each(['viewer', 'editor'] as const)('hides Webhooks and the Admin group from the %s role', async (role) => {
    fakeApi(signedInAs(me(role)));
    renderApp('/');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['Import', 'Imports history', 'Products']);
    expect(within(nav).queryByRole('group', { name: 'Admin' })).toBeNull();
  });

  it('shows an editor who opens /webhooks that it is for admins, without asking the API', async () => {
    const { calls } = fakeApi(signedInAs(me('editor')));
    renderApp('/webhooks');
    expect(await screen.findByRole('heading', { level: 1, name: 'Webhooks' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Admins only' })).toBeInTheDocument();
    expect(screen.getByText("Editors can't see or manage webhooks. Only admins can.")).toBeInTheDocument();
    expect(calls.some((c) => c.path.startsWith('/api/webhooks'))).toBe(false);
  });

  it('shows a viewer on /admin/users that it is for admins', async () => {
    fakeApi(signedInAs(me('viewer')));
    renderApp('/admin/users');
    expect(await screen.findByRole('heading', { name: 'Admins only' })).toBeInTheDocument();
  });
});

describe('session', () => {
  beforeEach(() => FakeEventSource.install());
  afterEach(() => vi.unstubAllGlobals());

  it('sends someone not signed in to the sign-in page, remembering where they were', async () => {
    fakeApi({ '/api/auth/me': notSignedIn });
    const router = renderApp('/products?sku=AB');
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/signin');
    expect(new URLSearchParams(router.state.location.search).get('next')).toBe('/products?sku=AB');
    expect(screen.queryByText('Your session has ended')).toBeNull();
  });

  it('says the session has ended when it has', async () => {
    fakeApi({ '/api/auth/me': expired });
    renderApp('/imports');
    expect(await screen.findByText('Your session has ended')).toBeInTheDocument();
  });

  it('goes to the sign-in page when a later call answers 401, and back after signing in', async () => {
    let signedIn = true;
    fakeApi({
      '/api/auth/me': () => (signedIn ? me('editor') : notSignedIn),
      '/api/imports': () => (signedIn ? EMPTY_LIST : expired),
      '/api/products': () => expired,
      'POST /api/auth/login': () => {
        signedIn = true;
        return me('editor');
      },
    });
    const router = renderApp('/');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    signedIn = false;
    await userEvent.click(within(nav).getByRole('link', { name: 'Products' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByText('Your session has ended')).toBeInTheDocument();
    expect(router.state.location.search).toBe(`?next=${encodeURIComponent('/products')}`);

    await userEvent.type(screen.getByLabelText(/^Email/), 'editor@example.com');
    await userEvent.type(screen.getByLabelText(/^Password/), 'a good long password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/products'));
  });

  it('asks for a new password first when the current one is temporary, then lets them in', async () => {
    let temporary = true;
    const { calls } = fakeApi({
      ...signedInAs(me('viewer')),
      '/api/auth/me': () => ({ ...me('viewer', 'new@example.com'), must_change_password: temporary }),
      'POST /api/auth/password': () => {
        temporary = false;
        return [204, null];
      },
    });
    renderApp('/products');
    expect(await screen.findByRole('heading', { level: 1, name: 'Choose your password' })).toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();

    await userEvent.type(screen.getByLabelText('Current password', { exact: false }), 'temporary-one');
    await userEvent.type(screen.getByLabelText(/^New password(?!, again)/), 'short');
    await userEvent.type(screen.getByLabelText('New password, again', { exact: false }), 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Save and continue' }));
    expect(screen.getByLabelText(/^New password(?!, again)/)).toHaveAccessibleDescription(/Use at least 12 characters/);
    expect(calls.some((c) => c.path === '/api/auth/password')).toBe(false);

    await userEvent.clear(screen.getByLabelText(/^New password(?!, again)/));
    await userEvent.type(screen.getByLabelText(/^New password(?!, again)/), 'correct horse battery');
    await userEvent.clear(screen.getByLabelText('New password, again', { exact: false }));
    await userEvent.type(screen.getByLabelText('New password, again', { exact: false }), 'correct horse battery');
    await userEvent.click(screen.getByRole('button', { name: 'Save and continue' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Products' })).toBeInTheDocument();
    const sent = calls.find((c) => c.path === '/api/auth/password');
    expect(sent?.body).toEqual({ current_password: 'temporary-one', new_password: 'correct horse battery' });
    expect(sent?.headers['Content-Type']).toBe('application/json');
  });

  it('signs out from the account menu', async () => {
    const { calls } = fakeApi({ ...signedInAs(me('editor', 'ed@example.com')), 'POST /api/auth/logout': [204, null] });
    const router = renderApp('/');
    await userEvent.click(await screen.findByRole('button', { name: 'Account: ed@example.com, Editor' }));
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Sign out' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/signin'));
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/auth/logout')).toBe(true);
  });
});
