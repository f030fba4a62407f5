/**
 * The accounts service's REST calls (/api/auth, /api/users, /api/api-keys, /api/audit behind the
 * edge) and their types, all from the generated `accounts.d.ts`.
 *
 * Named accountsClient.ts, not accounts.ts: that would shadow the generated `accounts.d.ts`.
 */
import type { components, operations } from './accounts';
import { ApiError, requestJson } from './client';

type Schemas = components['schemas'];

export type Me = Schemas['Me'];
export type Role = Me['role'];
export type User = Schemas['User'];
export type UserPage = Schemas['UserPage'];
export type UserIn = Schemas['UserIn'];
export type UserPatch = Schemas['UserPatch'];
export type UserWithPassword = Schemas['UserWithPassword'];
export type ApiKey = Schemas['ApiKey'];
export type ApiKeyPage = Schemas['ApiKeyPage'];
export type ApiKeyIn = Schemas['ApiKeyIn'];
export type ApiKeyWithSecret = Schemas['ApiKeyWithSecret'];
export type AuditEntry = Schemas['AuditEntry'];
export type AuditPage = Schemas['AuditPage'];
export type AuditQuery = NonNullable<operations['audit_log_audit_get']['parameters']['query']>;

/** Each role may do what the ones before it may (pikit.auth.ROLES). */
export const ROLES: readonly Role[] = ['viewer', 'editor', 'admin'];

export const accountKeys = {
  me: ['auth', 'me'] as const,
  users: ['users'] as const,
  apiKeys: ['api-keys'] as const,
  audit: (action: string | null) => ['audit', action] as const,
  auditAll: ['audit'] as const,
};

const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });

// ------------------------------------------------------------------------------ signing in

export function getMe(): Promise<Me> {
  return requestJson('/auth/me');
}

/** Sets the HttpOnly session cookie; 401 invalid_credentials, 429 rate_limited (with retry_after). */
export function signIn(email: string, password: string): Promise<Me> {
  return requestJson('/auth/login', json('POST', { email, password }));
}

export function signOut(): Promise<void> {
  return requestJson('/auth/logout', { method: 'POST' });
}

/** 422 with `fields` naming current_password or new_password. */
export function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  return requestJson('/auth/password', json('POST', { current_password: currentPassword, new_password: newPassword }));
}

// ------------------------------------------------------------------------------ users

export function listUsers(): Promise<UserPage> {
  return requestJson('/users?limit=200');
}

/** The answer holds the generated password: the only time it is shown. 409 email_exists. */
export function createUser(body: UserIn): Promise<UserWithPassword> {
  return requestJson('/users', json('POST', body));
}

/** 409 last_admin when it would leave no active admin. */
export function updateUser(id: number, patch: UserPatch): Promise<User> {
  return requestJson(`/users/${id}`, json('PATCH', patch));
}

/** A new generated password (shown once); the user's sessions end. */
export function resetPassword(id: number): Promise<UserWithPassword> {
  return requestJson(`/users/${id}/reset-password`, { method: 'POST' });
}

// ------------------------------------------------------------------------------ API keys

export function listApiKeys(): Promise<ApiKeyPage> {
  return requestJson('/api-keys?limit=200');
}

/** The answer holds the key itself: the only time it is shown (only its hash is kept). */
export function createApiKey(body: ApiKeyIn): Promise<ApiKeyWithSecret> {
  return requestJson('/api-keys', json('POST', body));
}

export function revokeApiKey(id: number): Promise<ApiKey> {
  return requestJson(`/api-keys/${id}`, { method: 'DELETE' });
}

// ------------------------------------------------------------------------------ audit log

export function listAudit(query: AuditQuery = {}): Promise<AuditPage> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value != null && value !== '') params.set(key, String(value));
  const qs = params.toString();
  return requestJson(`/audit${qs ? `?${qs}` : ''}`);
}

// ------------------------------------------------------------------------------ errors

/** The first message of each field of a 422 (`{"error": {"fields": [{field, message}]}}`). */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || error.status !== 422 || !Array.isArray(error.body?.fields)) return {};
  const out: Record<string, string> = {};
  for (const item of error.body.fields as unknown[]) {
    const { field, message } = (item ?? {}) as { field?: unknown; message?: unknown };
    if (typeof field === 'string' && typeof message === 'string') out[field.split('.')[0]] ??= message.replace(/^Value error, /, '');
  }
  return out;
}
