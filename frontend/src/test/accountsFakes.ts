/** Records of the accounts API, for the admin screens' tests. */
import type { ApiKey, AuditEntry, User } from '../api/accountsClient';

export function user(overrides: Partial<User> = {}): User {
  return {
    id: 7,
    email: 'admin@example.com',
    role: 'admin',
    disabled: false,
    must_change_password: false,
    created_by: 'system:cli',
    created_at: '2026-11-20T09:00:00+00:00',
    last_sign_in_at: '2026-11-23T09:00:00+00:00',
    ...overrides,
  };
}

export function apiKey(overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: 3,
    name: 'ci-nightly',
    role: 'editor',
    prefix: 'pik_Ab12Cd',
    created_by: 'user:admin@example.com',
    created_at: '2026-11-21T09:00:00+00:00',
    last_used_at: null,
    revoked_at: null,
    revoked_by: null,
    ...overrides,
  };
}

export function auditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: 10,
    at: '2026-11-23T10:00:00+00:00',
    actor: 'user:admin@example.com',
    action: 'user.created',
    target: 'user new@example.com',
    details: {},
    source: 'accounts',
    correlation_id: null,
    ...overrides,
  };
}

export const listOf = <T>(items: T[]) => ({ items, total: items.length, limit: 200, offset: 0 });
export const apiError = (status: number, code: string, message: string) => [status, { error: { status, code, message } }];
