/** Fakes of the catalog API at the network boundary (fetch), for the Products screen's tests. */
import { vi } from 'vitest';
import type { HistoryEntry, Product, ProductList } from '../api/catalogClient';

export function product(overrides: Partial<Product> = {}): Product {
  return {
    id: 42,
    sku: 'KET-001',
    name: 'Steel kettle 1.7 l',
    description: 'Brushed steel, 2200 W.',
    price: '39.90',
    active: true,
    created_at: '2026-11-23T10:00:00.123456+00:00',
    updated_at: '2026-11-23T10:05:00.654321+00:00',
    ...overrides,
  };
}

export function page(items: Product[], overrides: Partial<ProductList> = {}): ProductList {
  return { items, total: items.length, total_is_estimate: false, limit: 50, offset: 0, next_cursor: null, ...overrides };
}

export function historyEntry(overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: 7,
    product_id: 42,
    sku: 'KET-001',
    action: 'updated',
    changes: { price: { old: 39.9, new: 34.9 } },
    source: 'api',
    job_id: null,
    row_no: null,
    at: '2026-11-23T10:05:00.654321+00:00',
    ...overrides,
  };
}

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

export const apiError = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) =>
  json({ error: { status, code, message, ...extra } }, status);

export interface Call {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
}

type Route = (call: Call) => Response | Promise<Response>;

/**
 * Stubs fetch with routes keyed "METHOD /path" (the path without the query string, after /api);
 * the first route whose key matches answers. Every request is recorded in `calls`.
 */
export function fakeCatalog(routes: Record<string, Route>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://localhost');
    const method = (init.method ?? 'GET').toUpperCase();
    const call: Call = {
      method,
      url,
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const path = url.pathname.replace(/^\/api/, '');
    for (const [key, route] of Object.entries(routes)) {
      const [m, pattern] = key.split(' ');
      if (m === method && new RegExp(`^${pattern}$`).test(path)) return route(call);
    }
    return apiError(404, 'not_found', `no fake for ${method} ${path}`);
  });
  vi.stubGlobal('fetch', fetchMock);
  return { calls, fetchMock, find: (method: string, path: string) => calls.filter((c) => c.method === method && c.url.pathname === `/api${path}`) };
}
