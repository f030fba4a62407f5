/** Who is signed in, for every screen inside the session gate (auth/SessionGate.tsx). */
import { createContext, useContext } from 'react';
import type { Me, Role } from '../api/accountsClient';
import { refusal, type Action } from '../lib/roles';

export const SessionContext = createContext<Me | null>(null);

export function useMe(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useMe() outside the session gate');
  return me;
}

export function useRole(): Role {
  return useMe().role;
}

/** Why the signed-in role may not do `action`, or null when it may. */
export function useRefusal(action: Action): string | null {
  return refusal(useRole(), action);
}

/** Where to go after signing in: a path of this app (never another site, never the sign-in page). */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next === '/signin' || next.startsWith('/signin?')) return '/';
  return next;
}

export function signInPath(next: string): string {
  const target = safeNext(next);
  return target === '/' ? '/signin' : `/signin?next=${encodeURIComponent(target)}`;
}
