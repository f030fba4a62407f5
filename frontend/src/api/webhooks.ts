/**
 * The webhooks service's REST API (docs/webhooks.md), through the edge at /api/webhooks.
 * Types come from the generated `webhooks.d.ts`; never write them by hand.
 */
import { ApiError, requestJson } from './client';
import type { components, operations } from './webhooks.d';

type Schemas = components['schemas'];

export type WebhookEndpoint = Schemas['Endpoint'];
export type WebhookEndpointPage = Schemas['EndpointPage'];
export type WebhookEndpointIn = Schemas['EndpointIn'];
export type WebhookEndpointPatch = Schemas['EndpointPatch'];
export type LastDelivery = Schemas['LastDelivery'];
export type WebhookDelivery = Schemas['Delivery'];
export type WebhookDeliveryPage = Schemas['DeliveryPage'];
export type DeliveryAttempt = Schemas['Attempt'];
export type PingResult = Schemas['PingResult'];
export type DeliveryStatus = WebhookDelivery['status'];
export type WebhookEventType = WebhookEndpointIn['events'][number];
export type DeliveryListQuery = NonNullable<
  operations['list_deliveries_webhooks__endpoint_id__deliveries_get']['parameters']['query']
>;

/**
 * What each event means, keyed by the generated event type: the compiler refuses a missing or an
 * unknown type here, so this object is also the runtime list of types (OpenAPI enums are only
 * types in TypeScript).
 */
export const EVENT_DESCRIPTIONS: Record<WebhookEventType, string> = {
  'product.created': 'A product was created through the catalog API.',
  'product.updated': 'A product was changed through the catalog API.',
  'product.deleted': 'A product was deleted.',
  'products.bulk_deleted': 'All products were deleted at once (one event with the count).',
  'import.started': 'A CSV import started.',
  'import.completed': 'A CSV import finished (one event per import, not per row).',
  'import.failed': 'A CSV import failed.',
};

export const EVENT_TYPES = Object.keys(EVENT_DESCRIPTIONS) as WebhookEventType[];

const base = '/webhooks';
const one = (id: string) => `${base}/${encodeURIComponent(id)}`;
const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

function withQuery(path: string, query: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value != null && value !== '') params.set(key, String(value));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export function listWebhooks(query: { limit?: number; offset?: number } = {}): Promise<WebhookEndpointPage> {
  return requestJson(withQuery(base, query));
}

export function getWebhook(id: string): Promise<WebhookEndpoint> {
  return requestJson(one(id));
}

/** The answer holds the full signing secret: the only time, with rotateWebhookSecret, that it does. */
export function createWebhook(body: WebhookEndpointIn): Promise<WebhookEndpoint> {
  return requestJson(base, json('POST', body));
}

export function updateWebhook(id: string, changes: WebhookEndpointPatch): Promise<WebhookEndpoint> {
  return requestJson(one(id), json('PATCH', changes));
}

export function deleteWebhook(id: string): Promise<void> {
  return requestJson(one(id), { method: 'DELETE' });
}

export function rotateWebhookSecret(id: string): Promise<WebhookEndpoint> {
  return requestJson(`${one(id)}/rotate-secret`, { method: 'POST' });
}

export function testWebhook(id: string): Promise<PingResult> {
  return requestJson(`${one(id)}/test`, { method: 'POST' });
}

export function listDeliveries(id: string, query: DeliveryListQuery = {}): Promise<WebhookDeliveryPage> {
  return requestJson(withQuery(`${one(id)}/deliveries`, query));
}

export function resendDelivery(id: string, deliveryId: string): Promise<WebhookDelivery> {
  return requestJson(`${one(id)}/deliveries/${encodeURIComponent(deliveryId)}/resend`, { method: 'POST' });
}

/** Every query of this API starts with this key, so one invalidation refreshes them all. */
export const WEBHOOKS_KEY = ['webhooks'] as const;

/**
 * Field messages of a 422: `{"error": {"fields": [{"field": "url", "message": ...}]}}` from the
 * validation handler (`events.0` for the first event, so the first segment names the field) and
 * from `url_not_allowed`. Pydantic prefixes its own messages with "Value error, ".
 */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || error.status !== 422) return {};
  const fields = error.body?.fields;
  if (!Array.isArray(fields)) return {};
  const out: Record<string, string> = {};
  for (const item of fields as unknown[]) {
    if (!item || typeof item !== 'object') continue;
    const { field, message } = item as { field?: unknown; message?: unknown };
    if (typeof field !== 'string' || typeof message !== 'string') continue;
    const name = field.split('.')[0] || '_';
    out[name] ??= message.replace(/^Value error, /, '');
  }
  return out;
}
