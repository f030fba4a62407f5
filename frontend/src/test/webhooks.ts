/** Fixtures and a fake of the webhooks API at the fetch boundary, for the webhooks screens' tests. */
import { vi } from 'vitest';
import type { WebhookDelivery, WebhookEndpoint } from '../api/webhooks';

export function endpoint(overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    id: '5d0f3a52-7c1e-4b8f-9a3d-1e2f3a4b5c6d',
    url: 'https://hooks.example.com/catalog',
    events: ['product.created', 'import.completed'],
    enabled: true,
    disabled_reason: null,
    description: 'ERP sync',
    secret: 'whsec_********AbCd',
    previous_secret_expires_at: null,
    failing_since: null,
    created_at: '2026-11-23T09:00:00+00:00',
    updated_at: '2026-11-23T09:00:00+00:00',
    last_delivery: null,
    ...overrides,
  };
}

export function delivery(overrides: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    id: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
    webhook_id: 'msg_9f8e7d6c5b4a439281706f5e4d3c2b1a',
    event_id: 'evt-1',
    event_type: 'product.created',
    status: 'failed',
    attempts: 3,
    next_attempt_at: null,
    last_attempt_at: '2026-11-23T10:00:00+00:00',
    status_code: 500,
    latency_ms: 87,
    response_excerpt: 'upstream exploded',
    error: null,
    created_at: '2026-11-23T09:59:00+00:00',
    finished_at: '2026-11-23T10:00:00+00:00',
    attempt_log: [],
    ...overrides,
  };
}

export interface Call {
  method: string;
  path: string;
  body: unknown;
}

type Handler = (call: Call) => { status?: number; body?: unknown } | undefined;

export const json = (body: unknown, status = 200) => ({ status, body });

export function apiError(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return { status, body: { error: { status, code, message, ...extra } } };
}

/**
 * Stub fetch with a handler that answers by method and path (without the /api prefix); every
 * request is recorded in `calls`. An unhandled request answers 404 so the test sees it.
 */
export function fakeApi(handler: Handler) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const call: Call = {
      method: (init?.method ?? 'GET').toUpperCase(),
      path: url.replace(/^\/api/, ''),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const answer = handler(call) ?? apiError(404, 'not_found', `unhandled ${call.method} ${call.path}`);
    const status = answer.status ?? 200;
    return new Response(status === 204 ? null : JSON.stringify(answer.body ?? null), { status });
  });
  vi.stubGlobal('fetch', fetchMock);
  return { calls, fetchMock };
}

export const page = <T,>(items: T[], total = items.length) => ({ items, total, limit: 20, offset: 0 });
