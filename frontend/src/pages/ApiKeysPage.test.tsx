import { Notifications } from '@mantine/notifications';
import { screen, waitFor, within } from '@testing-library/react';
import userEventLib from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiKey, listOf } from '../test/accountsFakes';
import { fakeApi, onAPhone, renderWithProviders } from '../test/utils';
import { ApiKeysPage } from './ApiKeysPage';

const userEvent = userEventLib.setup({ delay: null });
const SLOW = { timeout: 20_000 };

/** The table row of `name`, or its card on a phone (`'li'`). */
function row(name: string, tag = 'tr'): HTMLElement {
  const found = document.querySelector<HTMLElement>(`${tag}[data-key="${name}"]`);
  if (!found) throw new Error(`no row of ${name}`);
  return found;
}

const renderPage = () =>
  renderWithProviders(
    <>
      <Notifications />
      <ApiKeysPage />
    </>,
  );

describe('ApiKeysPage', SLOW, () => {
  afterEach(() => vi.unstubAllGlobals());

  it('says what keys are for when there is none', async () => {
    fakeApi({ '/api/api-keys': listOf([]) });
    renderPage();
    expect(await screen.findByRole('heading', { name: 'No API keys yet' })).toBeInTheDocument();
  });

  it('lists keys with prefix, role, creator, last use ("never") and the revoked state', async () => {
    fakeApi({
      '/api/api-keys': listOf([
        apiKey(),
        apiKey({ id: 2, name: 'old-sync', role: 'viewer', revoked_at: '2026-11-22T09:00:00+00:00', revoked_by: 'user:admin@example.com', last_used_at: '2026-11-22T08:00:00+00:00' }),
      ]),
    });
    renderPage();
    await waitFor(() => row('ci-nightly'));
    const live = row('ci-nightly');
    expect(live).toHaveTextContent('Editor');
    expect(live).toHaveTextContent('pik_Ab12Cd…');
    expect(live).toHaveTextContent('by admin@example.com');
    expect(within(live).getByText('never')).toBeInTheDocument();
    expect(within(live).getByText('Live')).toBeInTheDocument();
    const revoked = row('old-sync');
    expect(within(revoked).getByText('Revoked')).toBeInTheDocument();
    expect(revoked).toHaveTextContent(/by admin@example\.com/);
    expect(within(revoked).queryByRole('button', { name: /Revoke/ })).toBeNull();
  });

  it('on a phone shows each key as a card with what the row shows and the same action', async () => {
    onAPhone();
    fakeApi({
      '/api/api-keys': listOf([
        apiKey(),
        apiKey({ id: 2, name: 'old-sync', role: 'viewer', revoked_at: '2026-11-22T09:00:00+00:00', revoked_by: 'user:admin@example.com' }),
      ]),
    });
    renderPage();
    const live = await waitFor(() => row('ci-nightly', 'li'));
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.getByRole('list', { name: '1 live and 1 revoked API keys' })).toBeInTheDocument();
    expect(live).toHaveTextContent('Role Editor');
    expect(live).toHaveTextContent('Key pik_Ab12Cd…');
    expect(live).toHaveTextContent('by admin@example.com');
    expect(live).toHaveTextContent('Last used never');
    expect(within(live).getByText('Live')).toBeInTheDocument();
    const revoked = row('old-sync', 'li');
    expect(revoked).toHaveTextContent(/Revoked .* by admin@example\.com/);
    expect(within(revoked).queryByRole('button', { name: /Revoke/ })).toBeNull();
    await userEvent.click(within(live).getByRole('button', { name: /Revoke/ }));
    expect(await screen.findByRole('dialog', { name: 'Revoke this API key?' })).toBeInTheDocument();
  });

  it('creates a key and shows it once, with a copy button and the warning', async () => {
    let keys = [apiKey()];
    const { calls } = fakeApi({
      '/api/api-keys': () => listOf(keys),
      'POST /api/api-keys': () => {
        const created = apiKey({ id: 4, name: 'erp-sync', role: 'viewer', prefix: 'pik_Zz99Yy' });
        keys = [created, ...keys];
        return [201, { api_key: created, key: 'pik_Zz99Yy-the-whole-secret' }];
      },
    });
    renderPage();
    await waitFor(() => row('ci-nightly'));
    await userEvent.click(screen.getByRole('button', { name: 'Create key' }));
    const form = await screen.findByRole('dialog', { name: 'Create an API key' });
    await userEvent.type(within(form).getByLabelText(/^Name/), 'erp-sync{Enter}');
    const shown = await screen.findByRole('dialog', { name: 'API key created' });
    expect(within(shown).getByTestId('shown-once-value')).toHaveTextContent('pik_Zz99Yy-the-whole-secret');
    expect(within(shown).getByText("Copy it now: it won't be shown again")).toBeInTheDocument();
    expect(within(shown).getByRole('button', { name: 'Copy' })).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'erp-sync', role: 'viewer' });
    await userEvent.click(within(shown).getByRole('button', { name: 'I have copied it' }));
    await waitFor(() => expect(screen.queryByText('pik_Zz99Yy-the-whole-secret')).toBeNull());
    await waitFor(() => row('erp-sync'));
  });

  it('revokes a key after confirmation', async () => {
    const { calls } = fakeApi({
      '/api/api-keys': listOf([apiKey()]),
      'DELETE /api/api-keys/3': apiKey({ revoked_at: '2026-11-23T10:00:00+00:00', revoked_by: 'user:admin@example.com' }),
    });
    renderPage();
    await waitFor(() => row('ci-nightly'));
    await userEvent.click(within(row('ci-nightly')).getByRole('button', { name: /Revoke/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke this API key?' });
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke key' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/api-keys/3')).toBe(true));
  });
});
