/**
 * The catalog service's REST calls (/api/products behind the edge) and the types the Products
 * screen uses, all derived from the generated `catalog.d.ts`.
 *
 * Named catalogClient.ts, not catalog.ts: a `catalog.ts` next to the generated `catalog.d.ts`
 * would shadow it (TypeScript resolves `./catalog` to the .ts file and drops the .d.ts).
 */
import type { components, operations } from './catalog';
import { API_BASE, ApiError, errorFromResponse } from './client';

export type Product = components['schemas']['Product'];
export type ProductIn = components['schemas']['ProductIn'];
export type ProductPatch = components['schemas']['ProductPatch'];
export type ProductList = components['schemas']['ProductList'];
export type HistoryEntry = components['schemas']['HistoryEntry'];
export type HistoryPage = components['schemas']['HistoryPage'];
export type BulkDeleted = components['schemas']['BulkDeleted'];
export type ProductListQuery = NonNullable<operations['list_products_products_get']['parameters']['query']>;
export type ProductSort = NonNullable<ProductListQuery['sort']>;
export type SortOrder = NonNullable<ProductListQuery['order']>;

/** A product with the ETag of the version read (GET answers it in a header, not the body). */
export interface VersionedProduct {
  product: Product;
  etag: string | null;
}

/** One bad field of a 422 (pikit's validation handler): `field` is the dotted location without "body". */
export interface FieldError {
  field: string;
  message: string;
  type?: string;
}

export const productKeys = {
  all: ['products'] as const,
  list: (query: ProductListQuery) => ['products', 'list', query] as const,
  count: ['products', 'count'] as const,
  detail: (id: number) => ['products', 'detail', id] as const,
  history: (id: number) => ['products', 'history', id] as const,
};

async function send(path: string, init?: RequestInit): Promise<{ response: Response; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      ...init,
      headers: {
        Accept: 'application/json',
        ...(init?.body != null ? { 'Content-Type': 'application/json' } : {}),
        ...(init?.headers ?? {}),
      },
    });
  } catch {
    throw new ApiError(0, null, 'The server could not be reached. Check your connection and try again.');
  }
  const text = await response.text();
  if (!response.ok) throw errorFromResponse(response.status, text);
  return { response, body: text ? JSON.parse(text) : null };
}

export function listQueryString(query: ProductListQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value != null && value !== '') params.set(key, String(value));
  }
  return params.toString();
}

export async function listProducts(query: ProductListQuery, signal?: AbortSignal): Promise<ProductList> {
  const qs = listQueryString(query);
  return (await send(`/products${qs ? `?${qs}` : ''}`, { signal })).body as ProductList;
}

/** The CSV export of the products matching the filters (same filters and sort, no paging). */
export function exportCsvUrl(query: ProductListQuery): string {
  const { limit: _limit, page: _page, offset: _offset, cursor: _cursor, ...rest } = query;
  const qs = listQueryString(rest);
  return `${API_BASE}/products/export.csv${qs ? `?${qs}` : ''}`;
}

export async function getProduct(id: number, signal?: AbortSignal): Promise<VersionedProduct> {
  const { response, body } = await send(`/products/${id}`, { signal });
  return { product: body as Product, etag: response.headers.get('ETag') };
}

export async function createProduct(input: ProductIn): Promise<Product> {
  return (await send('/products', { method: 'POST', body: JSON.stringify(input) })).body as Product;
}

/** Only the fields in `patch` change; with `etag`, the API answers 412 if someone changed the product since. */
export async function updateProduct(id: number, patch: ProductPatch, etag: string | null): Promise<VersionedProduct> {
  const { response, body } = await send(`/products/${id}`, {
    method: 'PATCH',
    body: JSON.stringify(patch),
    headers: etag ? { 'If-Match': etag } : {},
  });
  return { product: body as Product, etag: response.headers.get('ETag') };
}

export async function deleteProduct(id: number): Promise<void> {
  await send(`/products/${id}`, { method: 'DELETE' });
}

/** Deletes the whole catalog; the API refuses without confirm=true. */
export async function deleteAllProducts(): Promise<BulkDeleted> {
  return (await send('/products?confirm=true', { method: 'DELETE' })).body as BulkDeleted;
}

export async function productHistory(id: number, offset = 0, limit = 50, signal?: AbortSignal): Promise<HistoryPage> {
  return (await send(`/products/${id}/history?limit=${limit}&offset=${offset}`, { signal })).body as HistoryPage;
}

/** The `fields` of a 422 answer, or [] for any other error. */
export function fieldErrors(error: unknown): FieldError[] {
  if (!(error instanceof ApiError) || error.status !== 422) return [];
  const fields = error.body?.fields;
  if (!Array.isArray(fields)) return [];
  return fields.filter(
    (f): f is FieldError => !!f && typeof f === 'object' && typeof f.field === 'string' && typeof f.message === 'string',
  );
}
