import { describe, expect, it } from 'vitest';
import { principalLabel } from './principal';

describe('principalLabel', () => {
  it('names people by their email, keys as keys and the command line in words', () => {
    expect(principalLabel('user:ops@example.com')).toBe('ops@example.com');
    expect(principalLabel('key:ci-nightly')).toBe('key ci-nightly');
    expect(principalLabel('system:cli')).toBe('command line');
    expect(principalLabel(null)).toBeNull();
    expect(principalLabel('')).toBeNull();
  });
});
