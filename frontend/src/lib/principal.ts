/**
 * Who did something, as history, imports and the audit log name them (pikit.auth `Principal.ref`):
 * `user:ops@example.com`, `key:ci-nightly`, `system:cli`. For people: `ops@example.com`,
 * `key ci-nightly`, `command line` (pikit.auth.label, plus the command line's own word).
 */
export function principalLabel(ref: string | null | undefined): string | null {
  if (!ref) return null;
  const colon = ref.indexOf(':');
  if (colon < 0) return ref;
  const kind = ref.slice(0, colon);
  const name = ref.slice(colon + 1);
  if (kind === 'user') return name;
  if (kind === 'system' && name === 'cli') return 'command line';
  return `${kind} ${name}`;
}
