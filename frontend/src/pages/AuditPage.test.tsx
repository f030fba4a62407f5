import { screen, waitFor, within } from '@testing-library/react';
import userEventLib from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { auditEntry } from '../test/accountsFakes';
import { fakeApi, renderWithProviders } from '../test/utils';
import { AuditPage, describeChanges } from './AuditPage';

const userEvent = userEventLib.setup({ delay: null });
const SLOW = { timeout: 20_000 };

describe('AuditPage', SLOW, () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lists who did what, names actors by the display rule, and loads older entries with the cursor', async () => {
    const { calls } = fakeApi({
      '/api/audit': (_init: RequestInit | undefined, url: URL) =>
        url.searchParams.get('before') === '8'
          ? { items: [auditEntry({ id: 5, actor: 'system:cli', action: 'user.created', target: 'user admin@example.com' })], next_cursor: null }
          : {
              items: [
                auditEntry({ id: 9, actor: 'key:ci-nightly', action: 'products.bulk_deleted', target: '120 products' }),
                auditEntry({
                  id: 8,
                  action: 'user.updated',
                  target: 'user ed@example.com',
                  details: { changes: { role: { old: 'viewer', new: 'editor' } } },
                }),
              ],
              next_cursor: 8,
            },
    });
    renderWithProviders(<AuditPage />, { route: '/admin/audit' });
    const table = await screen.findByRole('table');
    let rows = within(table).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('key ci-nightly');
    expect(rows[0]).toHaveTextContent('All products deleted');
    expect(rows[0]).toHaveTextContent('120 products');
    expect(rows[1]).toHaveTextContent('admin@example.com');
    expect(rows[1]).toHaveTextContent('role: viewer → editor');

    await userEvent.click(screen.getByRole('button', { name: 'Load older entries' }));
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(4));
    rows = within(table).getAllByRole('row').slice(1);
    expect(rows[2]).toHaveTextContent('command line');
    expect(calls.at(-1)?.url.searchParams.get('before')).toBe('8');
    expect(screen.queryByRole('button', { name: 'Load older entries' })).toBeNull();
  });

  it('filters by kind and says when there is nothing of it', async () => {
    const { calls } = fakeApi({ '/api/audit': { items: [], next_cursor: null } });
    renderWithProviders(<AuditPage />, { route: '/admin/audit' });
    expect(await screen.findByRole('heading', { name: 'Nothing logged yet' })).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText('Show'), 'api_key');
    expect(await screen.findByRole('heading', { name: /Nothing of this kind yet/ })).toBeInTheDocument();
    expect(calls.at(-1)?.url.searchParams.get('action')).toBe('api_key');
  });

  it('describes the changes of an entry', () => {
    expect(describeChanges({ changes: { disabled: { old: false, new: true } } })).toBe('disabled: no → yes');
    expect(describeChanges({})).toBeNull();
  });
});
