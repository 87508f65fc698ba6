import { describe, expect, it } from 'vitest';
import { displayName } from '../../functions/api/web/browser/claims.js';

describe('who is signed in (the page)', () => {
  it('prefers the name, then the usernames, the e-mail and the subject', () => {
    expect(displayName({ name: 'Development User', preferred_username: 'dev', sub: 'x' })).toBe('Development User');
    expect(displayName({ preferred_username: 'dev', 'cognito:username': 'cog', sub: 'x' })).toBe('dev');
    expect(displayName({ 'cognito:username': 'operator-1', email: 'a@example.com', sub: 'x' })).toBe('operator-1');
    expect(displayName({ email: 'a@example.com', sub: 'x' })).toBe('a@example.com');
    expect(displayName({ sub: '5f0c…' })).toBe('5f0c…');
  });

  it('skips empty and non-text claims, and says "signed in" when nothing names the user', () => {
    expect(displayName({ name: '  ', preferred_username: 42, email: 'a@example.com' })).toBe('a@example.com');
    expect(displayName({})).toBe('signed in');
    expect(displayName(undefined)).toBe('signed in');
  });
});
