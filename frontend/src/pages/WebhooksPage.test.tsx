import { Notifications, notifications } from '@mantine/notifications';
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError, endpoint, fakeApi, json, page } from '../test/webhooks';
import { renderWithProviders } from '../test/utils';
import { WebhooksPage } from './WebhooksPage';

// The machine running the tests is shared and often busy: wait longer than the 1 s default.
configure({ asyncUtilTimeout: 4_000 });

const NOW = new Date('2026-11-23T10:05:00Z');

/** One input event for the whole value: typing key by key re-renders the modal per key (slow in jsdom). */
async function fill(user: ReturnType<typeof userEvent.setup>, input: HTMLElement, text: string) {
  await user.click(input);
  await user.paste(text);
}

function renderPage() {
  return renderWithProviders(
    <>
      <Notifications />
      <WebhooksPage />
    </>,
    { route: '/webhooks' },
  );
}

// Typing into Mantine inputs is slow in jsdom on a busy machine: room beyond the 5 s default.
describe('WebhooksPage', { timeout: 15_000 }, () => {
  beforeEach(() => {
    // Only the clock: timers stay real, so Mantine's transitions and user-event work as usual.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    notifications.clean();
  });

  it('lists the endpoints with their events and last delivery', async () => {
    const { calls } = fakeApi(({ method, path }) => {
      if (method === 'GET' && path.startsWith('/webhooks?')) {
        return json(
          page([
            endpoint({
              last_delivery: {
                event_type: 'product.created',
                status_code: 200,
                latency_ms: 142,
                attempted_at: '2026-11-23T10:02:00+00:00',
                success: true,
                error: null,
              },
            }),
            endpoint({
              id: 'e2',
              url: 'https://down.example.org/hook',
              description: '',
              events: ['import.failed'],
              enabled: false,
              disabled_reason: 'disabled automatically: every delivery failed since 2026-11-18T10:00:00Z (last error: ConnectError: All connection attempts failed)',
              last_delivery: {
                event_type: 'import.failed',
                status_code: null,
                latency_ms: 5003,
                attempted_at: '2026-11-23T08:05:00+00:00',
                success: false,
                error: 'timeout: connect',
              },
            }),
          ]),
        );
      }
    });
    renderPage();

    const first = await screen.findByRole('article', { name: 'https://hooks.example.com/catalog' });
    expect(calls[0].path).toBe('/webhooks?limit=20&offset=0');
    expect(within(first).getByText('ERP sync')).toBeInTheDocument();
    const events = within(first).getByRole('list', { name: 'Events' });
    expect(within(events).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['product.created', 'import.completed']);
    expect(within(first).getByText('HTTP 200')).toBeInTheDocument();
    expect(within(first).getByText('142 ms')).toBeInTheDocument();
    const time = within(first).getByText('3 min. ago');
    expect(time.tagName).toBe('TIME');
    expect(time).toHaveAttribute('dateTime', '2026-11-23T10:02:00+00:00');
    expect(time.getAttribute('title')).toMatch(/2026/);
    expect(within(first).getByRole('switch', { name: 'Enabled: https://hooks.example.com/catalog' })).toBeChecked();

    const second = screen.getByRole('article', { name: 'https://down.example.org/hook' });
    expect(within(second).getByText('No answer')).toBeInTheDocument();
    expect(within(second).getByText('timeout: connect')).toBeInTheDocument();
    expect(within(second).getByText('2 hr. ago')).toBeInTheDocument();
    expect(within(second).getByText('Disabled automatically')).toBeInTheDocument();
    expect(within(second).getByText(/^Every delivery failed since .*\(last error: ConnectError/)).toBeInTheDocument();
    expect(within(second).getByRole('switch')).not.toBeChecked();
    expect(within(second).queryByText('Turned off.')).not.toBeInTheDocument();
    expect(within(first).queryByText('Turned off.')).not.toBeInTheDocument();
  });

  it('says that an endpoint someone turned off misses the events meanwhile', async () => {
    fakeApi(({ method, path }) => {
      if (method === 'GET' && path.startsWith('/webhooks?')) {
        return json(page([endpoint({ id: 'off', url: 'https://paused.example.com/in', enabled: false, disabled_reason: null })]));
      }
    });
    renderPage();

    const card = await screen.findByRole('article', { name: 'https://paused.example.com/in' });
    expect(within(card).getByText('Turned off.')).toBeInTheDocument();
    expect(within(card).getByText(/not sent to it, not even after it is turned on again/)).toBeInTheDocument();
    expect(within(card).queryByText('Disabled automatically')).not.toBeInTheDocument();
    expect(within(card).getByRole('switch')).not.toBeChecked();
  });

  it('explains webhooks when there is no endpoint, and adds one with the chosen events', async () => {
    const created = endpoint({ id: 'new', url: 'https://example.com/in', events: ['product.deleted', 'import.failed'], description: '' });
    const { calls } = fakeApi(({ method, path }) => {
      if (method === 'GET') return json(page([]));
      if (method === 'POST' && path === '/webhooks') return json({ ...created, secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=' }, 201);
    });
    const user = userEvent.setup({ delay: null });
    renderPage();

    expect(await screen.findByRole('heading', { name: 'No webhook endpoints yet' })).toBeInTheDocument();
    expect(screen.getByText(/we send an HTTP POST/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Add endpoint' }));

    const dialog = await screen.findByRole('dialog', { name: 'Add endpoint' });
    await fill(user, within(dialog).getByRole('textbox', { name: /Endpoint URL/ }), 'https://example.com/in');
    await user.click(within(dialog).getByRole('checkbox', { name: /product\.deleted/ }));
    await user.click(within(dialog).getByRole('checkbox', { name: /import\.failed/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Add endpoint' }));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')).toEqual({
      method: 'POST',
      path: '/webhooks',
      body: { url: 'https://example.com/in', events: ['product.deleted', 'import.failed'], enabled: true, description: '' },
    });
    expect(await screen.findByText('Endpoint added')).toBeInTheDocument();
  });

  it('checks the form before sending: a URL that is not http(s) and no event', async () => {
    const { calls } = fakeApi(({ method }) => (method === 'GET' ? json(page([])) : undefined));
    const user = userEvent.setup({ delay: null });
    renderPage();
    await user.click(await screen.findByRole('button', { name: 'Add endpoint' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add endpoint' });
    const url = within(dialog).getByRole('textbox', { name: /Endpoint URL/ });
    await fill(user, url, 'ftp://example.com/x');
    await user.click(within(dialog).getByRole('button', { name: 'Add endpoint' }));

    expect(url).toHaveAccessibleDescription(/must start with https:\/\/ or http:\/\//);
    expect(url).toHaveAttribute('aria-invalid', 'true');
    expect(url).toHaveFocus();
    expect(within(dialog).getByText('Choose at least one event.')).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it("shows the API's 422 about the URL at the URL field", async () => {
    fakeApi(({ method }) => {
      if (method === 'GET') return json(page([]));
      if (method === 'POST') {
        return apiError(422, 'url_not_allowed', 'internal.example resolves to a private address', {
          fields: [{ field: 'url', message: 'internal.example resolves to a private address' }],
        });
      }
    });
    const user = userEvent.setup({ delay: null });
    renderPage();
    await user.click(await screen.findByRole('button', { name: 'Add endpoint' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add endpoint' });
    const url = within(dialog).getByRole('textbox', { name: /Endpoint URL/ });
    await fill(user, url, 'https://internal.example/hook');
    await user.click(within(dialog).getByRole('checkbox', { name: /product\.created/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Add endpoint' }));

    await waitFor(() => expect(url).toHaveAccessibleDescription(/resolves to a private address/));
    expect(url).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('dialog', { name: 'Add endpoint' })).toBeInTheDocument(); // still open, values kept
    expect(url).toHaveValue('https://internal.example/hook');
    expect(await screen.findByText('Could not add the endpoint')).toBeInTheDocument();
  });

  it('maps a validation_error field (pydantic message) to its field', async () => {
    fakeApi(({ method }) => {
      if (method === 'GET') return json(page([]));
      return apiError(422, 'validation_error', 'The request is not valid.', {
        fields: [{ field: 'url', message: 'Value error, url has an invalid port', type: 'value_error' }],
      });
    });
    const user = userEvent.setup({ delay: null });
    renderPage();
    await user.click(await screen.findByRole('button', { name: 'Add endpoint' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add endpoint' });
    const url = within(dialog).getByRole('textbox', { name: /Endpoint URL/ });
    await fill(user, url, 'https://example.com:99/x');
    await user.click(within(dialog).getByRole('button', { name: 'Select all' }));
    await user.click(within(dialog).getByRole('button', { name: 'Add endpoint' }));
    await waitFor(() => expect(url).toHaveAccessibleDescription(/^url has an invalid port/));
    expect(within(dialog).queryByText(/Value error/)).not.toBeInTheDocument();
  });

  it('shows the new secret once, with a copy button and a warning', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    let listed = [] as ReturnType<typeof endpoint>[];
    fakeApi(({ method }) => {
      if (method === 'GET') return json(page(listed));
      if (method === 'POST') {
        listed = [endpoint({ url: 'https://example.com/in', secret: 'whsec_********LaSw' })];
        return json(endpoint({ url: 'https://example.com/in', secret }), 201);
      }
    });
    const user = userEvent.setup({ delay: null });
    renderPage();
    await user.click(await screen.findByRole('button', { name: 'Add endpoint' }));
    const form = await screen.findByRole('dialog', { name: 'Add endpoint' });
    await fill(user, within(form).getByRole('textbox', { name: /Endpoint URL/ }), 'https://example.com/in');
    await user.click(within(form).getByRole('checkbox', { name: /import\.completed/ }));
    await user.click(within(form).getByRole('button', { name: 'Add endpoint' }));

    const modal = await screen.findByRole('dialog', { name: /signing secret/ });
    expect(within(modal).getByText(secret)).toBeInTheDocument();
    expect(within(modal).getByText(/won't be shown again/)).toBeInTheDocument();
    expect(within(modal).getByRole('button', { name: 'Copy' })).toBeInTheDocument();
    await user.click(within(modal).getByRole('button', { name: 'I have saved the secret' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(await screen.findByRole('article', { name: 'https://example.com/in' })).toBeInTheDocument();
    expect(screen.queryByText(secret)).not.toBeInTheDocument();
    expect(document.body.textContent).not.toContain(secret);
  });

  it('sends a test ping and shows the status code, the time and the response', async () => {
    const { calls } = fakeApi(({ method, path }) => {
      if (method === 'GET') return json(page([endpoint()]));
      if (method === 'POST' && path.endsWith('/test')) {
        return json({ status_code: 200, response_time_ms: 42, response_excerpt: '{"ok":true}', error: null, success: true });
      }
    });
    const user = userEvent.setup({ delay: null });
    renderPage();
    const card = await screen.findByRole('article', { name: 'https://hooks.example.com/catalog' });
    await user.click(within(card).getByRole('button', { name: /Send test/ }));

    expect(await within(card).findByText('Test ping delivered: HTTP 200 in 42 ms')).toBeInTheDocument();
    expect(within(card).getByText('{"ok":true}')).toBeInTheDocument();
    expect(calls.at(-1)).toMatchObject({ method: 'POST', path: `/webhooks/${endpoint().id}/test` });
  });

  it('shows a failed test ping with its error', async () => {
    fakeApi(({ method }) => {
      if (method === 'GET') return json(page([endpoint()]));
      return json({ status_code: null, response_time_ms: 5001, response_excerpt: null, error: 'timeout: read', success: false });
    });
    const user = userEvent.setup({ delay: null });
    renderPage();
    const card = await screen.findByRole('article', { name: 'https://hooks.example.com/catalog' });
    await user.click(within(card).getByRole('button', { name: /Send test/ }));
    expect(await within(card).findByText(/Test ping failed: no answer after 5,001 ms/)).toBeInTheDocument();
    expect(within(card).getByText('timeout: read')).toBeInTheDocument();
  });

  it('shows a non-2xx answer to the test ping with its response, without repeating the code as an error', async () => {
    fakeApi(({ method }) => {
      if (method === 'GET') return json(page([endpoint()]));
      return json({ status_code: 500, response_time_ms: 12, response_excerpt: 'database is down', error: 'HTTP 500', success: false });
    });
    const user = userEvent.setup({ delay: null });
    renderPage();
    const card = await screen.findByRole('article', { name: 'https://hooks.example.com/catalog' });
    await user.click(within(card).getByRole('button', { name: /Send test/ }));
    const result = await within(card).findByRole('alert');
    expect(within(result).getByText('Test ping failed: HTTP 500 after 12 ms')).toBeInTheDocument();
    expect(within(result).getByText('database is down')).toBeInTheDocument();
    expect(within(result).queryByText('HTTP 500')).not.toBeInTheDocument();
  });

  it('edits an endpoint and sends only what changed', async () => {
    let current = endpoint();
    const { calls } = fakeApi(({ method, body }) => {
      if (method === 'GET') return json(page([current]));
      if (method === 'PATCH') {
        current = { ...current, ...(body as object) };
        return json(current);
      }
    });
    const user = userEvent.setup({ delay: null });
    renderPage();
    const card = await screen.findByRole('article', { name: 'https://hooks.example.com/catalog' });
    await user.click(within(card).getByRole('button', { name: /Edit/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit endpoint' });
    expect(within(dialog).getByRole('textbox', { name: /Endpoint URL/ })).toHaveValue('https://hooks.example.com/catalog');
    expect(within(dialog).getByRole('checkbox', { name: /product\.created/ })).toBeChecked();
    expect(within(dialog).getByRole('checkbox', { name: /import\.completed/ })).toBeChecked();
    await user.click(within(dialog).getByRole('checkbox', { name: /import\.completed/ }));
    await user.click(within(dialog).getByRole('checkbox', { name: /products\.bulk_deleted/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')).toBeDefined());
    expect(calls.find((c) => c.method === 'PATCH')).toEqual({
      method: 'PATCH',
      path: `/webhooks/${endpoint().id}`,
      body: { events: ['product.created', 'products.bulk_deleted'] },
    });
    expect(await screen.findByText('Endpoint saved')).toBeInTheDocument();
  });

  it('asks before deleting, and deletes only once confirmed', async () => {
    let listed = [endpoint()];
    const { calls } = fakeApi(({ method }) => {
      if (method === 'GET') return json(page(listed));
      if (method === 'DELETE') {
        listed = [];
        return { status: 204 };
      }
    });
    const user = userEvent.setup({ delay: null });
    renderPage();
    const card = await screen.findByRole('article', { name: 'https://hooks.example.com/catalog' });
    const remove = within(card).getByRole('button', { name: 'Delete https://hooks.example.com/catalog' });

    await user.click(remove);
    let confirm = await screen.findByRole('dialog', { name: 'Delete this endpoint?' });
    expect(within(confirm).getByText(/cannot be undone/)).toBeInTheDocument();
    expect(within(confirm).getByRole('button', { name: 'Cancel' })).toHaveFocus(); // the safe choice first
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(0);

    await user.click(remove);
    confirm = await screen.findByRole('dialog', { name: 'Delete this endpoint?' });
    await user.click(within(confirm).getByRole('button', { name: 'Delete endpoint' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(1));
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe(`/webhooks/${endpoint().id}`);
    expect(await screen.findByText('Endpoint deleted')).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'No webhook endpoints yet' })).toBeInTheDocument();
  });

  it('turns an endpoint off with its switch', async () => {
    let current = endpoint();
    const { calls } = fakeApi(({ method, body }) => {
      if (method === 'GET') return json(page([current]));
      if (method === 'PATCH') {
        current = { ...current, ...(body as object) };
        return json(current);
      }
    });
    const user = userEvent.setup({ delay: null });
    renderPage();
    const toggle = await screen.findByRole('switch', { name: /Enabled: https:\/\/hooks\.example\.com/ });
    await user.click(toggle);
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ enabled: false }));
    expect(await screen.findByText('Endpoint disabled')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('switch', { name: /Enabled: https:\/\/hooks\.example\.com/ })).not.toBeChecked());
  });

  it('rotates the secret after confirmation and shows the new one', async () => {
    const { calls } = fakeApi(({ method, path }) => {
      if (method === 'GET') return json(page([endpoint()]));
      if (method === 'POST' && path.endsWith('/rotate-secret')) {
        return json(endpoint({ secret: 'whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0', previous_secret_expires_at: '2026-11-24T10:05:00+00:00' }));
      }
    });
    const user = userEvent.setup({ delay: null });
    renderPage();
    const card = await screen.findByRole('article', { name: 'https://hooks.example.com/catalog' });
    await user.click(within(card).getByRole('button', { name: /Rotate secret/ }));
    const confirm = await screen.findByRole('dialog', { name: 'Rotate the signing secret?' });
    expect(calls.some((c) => c.path.endsWith('/rotate-secret'))).toBe(false);
    await user.click(within(confirm).getByRole('button', { name: 'Rotate secret' }));

    const modal = await screen.findByRole('dialog', { name: 'New signing secret' });
    expect(within(modal).getByText('whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0')).toBeInTheDocument();
    expect(within(modal).getByText(/previous secret keeps signing/)).toBeInTheDocument();
  });

  it('has an error state with the API message and a retry', async () => {
    fakeApi(() => apiError(503, 'unavailable', 'The service is unavailable right now.'));
    renderPage();
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Could not load the webhook endpoints')).toBeInTheDocument();
    expect(within(alert).getByText('The service is unavailable right now.')).toBeInTheDocument();
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
