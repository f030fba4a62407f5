/** Test helpers: the app's providers around a component, and fakes of the browser's network APIs. */
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';
import type { Me, Role } from '../api/accountsClient';
import type { ProgressSnapshot } from '../api/types';
import { SessionContext } from '../auth/session';
import { theme } from '../providers';

/** Who is signed in for a test: `me('viewer')`, or the admin most tests are (they may do everything). */
export function me(role: Role = 'admin', name = `${role}@example.com`): Me {
  return { kind: 'user', id: '7', name, role, must_change_password: false, session_expires_at: null };
}

/** `ui` with the app's providers, at `route`, signed in as `as` (an admin unless said). */
export function renderWithProviders(ui: ReactElement, { route = '/', as = me() }: { route?: string; as?: Me } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const result = render(
    <MantineProvider theme={theme}>
      <QueryClientProvider client={client}>
        <SessionContext.Provider value={as}>
          <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
        </SessionContext.Provider>
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { ...result, client };
}

/** As on a phone: the screens' `useMediaQuery('(max-width: …)')` matches until `vi.unstubAllGlobals()`. */
export function onAPhone() {
  const matchMedia = window.matchMedia;
  vi.stubGlobal('matchMedia', (query: string) => ({ ...matchMedia(query), matches: query.includes('max-width') }));
}

/**
 * A fetch stand-in answering by route: `routes` maps "METHOD /api/path" (or "/api/path" for GET;
 * the query string is ignored) to a JSON body, `[status, body]`, or a function of the request.
 * Unknown routes answer 404. Calls are in `calls` ("POST /api/users {...}").
 */
export type FakeAnswer = unknown | [number, unknown] | ((init: RequestInit | undefined, url: URL) => unknown);
export function fakeApi(routes: Record<string, FakeAnswer>) {
  const calls: { method: string; path: string; url: URL; body: unknown; headers: Record<string, string> }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost');
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : (init?.body ?? null);
    calls.push({ method, path: url.pathname, url, body, headers: (init?.headers ?? {}) as Record<string, string> });
    let answer = routes[`${method} ${url.pathname}`] ?? (method === 'GET' ? routes[url.pathname] : undefined);
    if (typeof answer === 'function') answer = (answer as (i: RequestInit | undefined, u: URL) => unknown)(init, url);
    if (answer === undefined) answer = [404, { error: { status: 404, code: 'not_found', message: 'No such route.' } }];
    const [status, payload] = Array.isArray(answer) && answer.length === 2 && typeof answer[0] === 'number' ? answer : [200, answer];
    return new Response(status === 204 ? null : JSON.stringify(payload), { status: status as number });
  });
  vi.stubGlobal('fetch', fetch);
  return { fetch, calls };
}

/** A stand-in for the browser's EventSource: tests push events with emit(). */
export class FakeEventSource {
  static instances: FakeEventSource[] = [];
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly url: string;
  readyState = FakeEventSource.CONNECTING;
  onopen: ((e: Event) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  private listeners = new Map<string, Set<(e: MessageEvent) => void>>();

  constructor(url: string) {
    this.url = url;
    FakeEventSource.instances.push(this);
  }

  addEventListener(type: string, listener: (e: MessageEvent) => void) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(listener);
  }

  removeEventListener(type: string, listener: (e: MessageEvent) => void) {
    this.listeners.get(type)?.delete(listener);
  }

  close() {
    this.readyState = FakeEventSource.CLOSED;
  }

  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.(new Event('open'));
  }

  emit(type: string, data: unknown, id = '') {
    const event = new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id });
    this.listeners.get(type)?.forEach((listener) => listener(event));
  }

  static install() {
    FakeEventSource.instances = [];
    vi.stubGlobal('EventSource', FakeEventSource);
  }

  static find(urlPart: string): FakeEventSource {
    const found = FakeEventSource.instances.filter((es) => es.url.includes(urlPart)).at(-1);
    if (!found) throw new Error(`no EventSource opened on ${urlPart} (${FakeEventSource.instances.map((e) => e.url).join(', ')})`);
    return found;
  }
}

export function snapshot(overrides: Partial<ProgressSnapshot> = {}): ProgressSnapshot {
  return {
    job_id: '11111111-2222-3333-4444-555555555555',
    filename: 'products.csv',
    size_bytes: 52_000_000,
    retry_of: null,
    status: 'queued',
    stage: null,
    terminal: false,
    rows_total: null,
    rows_read: null,
    rows_processed: 0,
    rows_to_import: null,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    invalid: null,
    duplicates: null,
    batches_total: null,
    batches_sent: 0,
    batches_done: 0,
    bytes_read: null,
    bytes_total: null,
    percent: 0,
    rate: null,
    eta_seconds: null,
    cancel_requested: false,
    error: null,
    created_at: '2026-11-23T10:00:00+00:00',
    started_at: null,
    updated_at: '2026-11-23T10:00:00+00:00',
    finished_at: null,
    ...overrides,
  };
}
