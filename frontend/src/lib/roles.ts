/**
 * What each role may do (docs: DESIGN.md, "Identity and access"; the services' `require(role)`),
 * and, for what it may not, the reason the screens show beside the disabled control.
 */
import type { Role } from '../api/accountsClient';
import { ROLES } from '../api/accountsClient';

export function may(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

const ACTIONS = {
  import: { needs: 'editor', what: 'import' },
  manageImports: { needs: 'editor', what: 'cancel or retry imports' },
  changeProducts: { needs: 'editor', what: 'create, edit or delete products' },
  export: { needs: 'editor', what: 'export the catalog' },
  deleteAll: { needs: 'admin', what: 'delete every product' },
  webhooks: { needs: 'admin', what: 'see or manage webhooks' },
  admin: { needs: 'admin', what: 'manage users, API keys or read the audit log' },
} as const satisfies Record<string, { needs: Role; what: string }>;

export type Action = keyof typeof ACTIONS;

const PLURAL: Record<Role, string> = { viewer: 'Viewers', editor: 'Editors', admin: 'Admins' };

/** Why `role` may not do `action` ("Viewers can't import. Ask an admin for the editor role."), or null. */
export function refusal(role: Role, action: Action): string | null {
  const { needs, what } = ACTIONS[action];
  if (may(role, needs)) return null;
  const remedy = needs === 'admin' ? 'Only admins can.' : `Ask an admin for the ${needs} role.`;
  return `${PLURAL[role]} can't ${what}. ${remedy}`;
}

export const ROLE_LABEL: Record<Role, string> = { viewer: 'Viewer', editor: 'Editor', admin: 'Admin' };

export const ROLE_DESCRIPTION: Record<Role, string> = {
  viewer: 'reads everything except webhooks',
  editor: 'imports, and creates, edits and deletes single products',
  admin: 'everything: delete all, webhooks, users, API keys, the audit log',
};
