import { Notifications, notifications } from '@mantine/notifications';
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError, delivery, endpoint, fakeApi, json } from '../test/webhooks';
import { renderWithProviders } from '../test/utils';
import { WebhookDetailPage } from './WebhookDetailPage';

// The machine running the tests is shared and often busy: wait longer than the 1 s default.
configure({ asyncUtilTimeout: 4_000 });

const EP = endpoint();
const BASE = `/webhooks/${EP.id}`;

function renderDetail(route = BASE) {
  return renderWithProviders(
    <>
      <Notifications />
      <Routes>
        <Route path="/webhooks" element={<h1>All endpoints page</h1>} />
        <Route path="/webhooks/:id" element={<WebhookDetailPage />} />
      </Routes>
    </>,
    { route },
  );
}

describe('WebhookDetailPage', { timeout: 15_000 }, () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-23T10:05:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    notifications.clean();
  });

  it('shows the delivery log with event, attempts, status, latency, time and response, and every attempt on demand', async () => {
    const { calls } = fakeApi(({ method, path }) => {
      if (method === 'GET' && path === BASE) return json(EP);
      if (method === 'GET' && path.startsWith(`${BASE}/deliveries?`)) {
        return json({
          items: [
            delivery({
              attempt_log: [
                { attempt: 1, attempted_at: '2026-11-23T09:59:00+00:00', status_code: 503, latency_ms: 20, response_excerpt: 'busy', error: null, success: false },
                { attempt: 2, attempted_at: '2026-11-23T10:00:00+00:00', status_code: 500, latency_ms: 87, response_excerpt: 'upstream exploded', error: null, success: false },
              ],
            }),
            delivery({ id: 'd2', event_type: 'import.completed', status: 'succeeded', attempts: 1, status_code: 204, latency_ms: 31, response_excerpt: null, last_attempt_at: '2026-11-23T09:05:00+00:00' }),
          ],
          total: 45,
          limit: 20,
          offset: 0,
        });
      }
    });
    const user = userEvent.setup({ delay: null });
    renderDetail();

    expect(await screen.findByRole('heading', { level: 1, name: EP.url })).toBeInTheDocument();
    const table = await screen.findByRole('table');
    expect(calls.some((c) => c.path === `${BASE}/deliveries?limit=20&offset=0`)).toBe(true);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(within(rows[0]).getByRole('button', { name: 'product.created' })).toHaveAttribute('aria-expanded', 'false');
    expect(within(rows[0]).getByText('Failed')).toBeInTheDocument();
    expect(within(rows[0]).getByText('3')).toBeInTheDocument();
    expect(within(rows[0]).getByText('HTTP 500')).toBeInTheDocument();
    expect(within(rows[0]).getByText('87 ms')).toBeInTheDocument();
    expect(within(rows[0]).getByText('5 min. ago')).toBeInTheDocument();
    expect(within(rows[0]).getByText('upstream exploded')).toBeInTheDocument();
    expect(within(rows[1]).getByText('Succeeded')).toBeInTheDocument();
    expect(within(rows[1]).getByText('HTTP 204')).toBeInTheDocument();
    expect(screen.getByText(/45 deliveries · page 1 of 3/)).toBeInTheDocument();

    await user.click(within(rows[0]).getByRole('button', { name: 'product.created' }));
    expect(within(rows[0]).getByRole('button', { name: 'product.created' })).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByText('Attempt 1')).toBeInTheDocument();
    expect(screen.getByText('HTTP 503')).toBeInTheDocument();
    expect(screen.getByText('busy')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Page 2' }));
    await waitFor(() => expect(calls.some((c) => c.path === `${BASE}/deliveries?limit=20&offset=20`)).toBe(true));
    await user.click(screen.getByRole('radio', { name: 'Failed' }));
    await waitFor(() => expect(calls.some((c) => c.path === `${BASE}/deliveries?limit=20&offset=0&status=failed`)).toBe(true));
  });

  it('re-sends a delivery and says so', async () => {
    const { calls } = fakeApi(({ method, path }) => {
      if (method === 'GET' && path === BASE) return json(EP);
      if (method === 'GET') return json({ items: [delivery()], total: 1, limit: 20, offset: 0 });
      if (method === 'POST' && path === `${BASE}/deliveries/${delivery().id}/resend`) {
        return json(delivery({ status: 'pending', next_attempt_at: '2026-11-23T10:05:00+00:00' }), 202);
      }
    });
    const user = userEvent.setup({ delay: null });
    renderDetail();
    const table = await screen.findByRole('table');
    await user.click(within(table).getByRole('button', { name: /Re-send/ }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1));
    expect(await screen.findByText('Delivery re-sent')).toBeInTheDocument();
  });

  it('reports a refused re-send (409 while disabled) in a notification', async () => {
    // The list still shows it enabled (stale), the API knows better.
    fakeApi(({ method, path }) => {
      if (method === 'GET' && path === BASE) return json(EP);
      if (method === 'GET') return json({ items: [delivery()], total: 1, limit: 20, offset: 0 });
      return apiError(409, 'endpoint_disabled', 'Enable the endpoint before re-sending its deliveries.');
    });
    const user = userEvent.setup({ delay: null });
    renderDetail();
    await user.click(within(await screen.findByRole('table')).getByRole('button', { name: /Re-send/ }));
    expect(await screen.findByText('Could not re-send the delivery')).toBeInTheDocument();
    expect(screen.getByText('Enable the endpoint before re-sending its deliveries.')).toBeInTheDocument();
  });

  it('shows why an endpoint was disabled, and offers no re-send until it is enabled', async () => {
    fakeApi(({ method, path }) => {
      if (method === 'GET' && path === BASE) {
        return json(endpoint({ enabled: false, disabled_reason: 'disabled automatically: every delivery failed since 2026-11-18T10:00:00Z (last error: HTTP 500)' }));
      }
      if (method === 'GET') return json({ items: [delivery()], total: 1, limit: 20, offset: 0 });
    });
    renderDetail();
    expect(await screen.findByText('Disabled automatically')).toBeInTheDocument();
    // the reason as the API gives it, less the prefix that the title repeats
    expect(screen.getByText('Every delivery failed since 2026-11-18T10:00:00Z (last error: HTTP 500)')).toBeInTheDocument();
    expect(within(await screen.findByRole('table')).getByRole('button', { name: /Re-send/ })).toBeDisabled();
  });

  it('has an empty log and a not-found state', async () => {
    fakeApi(({ method, path }) => {
      if (method === 'GET' && path === BASE) return json(EP);
      if (method === 'GET' && path.startsWith(`${BASE}/deliveries`)) return json({ items: [], total: 0, limit: 20, offset: 0 });
    });
    const first = renderDetail();
    expect(await screen.findByText('No deliveries yet')).toBeInTheDocument();
    first.unmount();

    renderDetail('/webhooks/gone');
    expect(await screen.findByRole('heading', { level: 1, name: 'Endpoint not found' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'All endpoints' })).toHaveAttribute('href', '/webhooks');
  });

  it('goes back to the list after deleting the endpoint', async () => {
    fakeApi(({ method, path }) => {
      if (method === 'GET' && path === BASE) return json(EP);
      if (method === 'GET') return json({ items: [], total: 0, limit: 20, offset: 0 });
      if (method === 'DELETE') return { status: 204 };
    });
    const user = userEvent.setup({ delay: null });
    renderDetail();
    await user.click(await screen.findByRole('button', { name: /^Delete / }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Delete this endpoint?' })).getByRole('button', { name: 'Delete endpoint' }));
    expect(await screen.findByRole('heading', { name: 'All endpoints page' })).toBeInTheDocument();
  });
});
