import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pathMatcher } from './glob.ts';

describe('pathMatcher', () => {
  it('selects a path and everything below it', () => {
    const m = pathMatcher(['/files/etc/kubernetes']);
    expect(m.matches('/files/etc/kubernetes')).toBe(true);
    expect(m.matches('/files/etc/kubernetes/pki/ca.crt')).toBe(true);
    expect(m.matches('/files/etc/kubernetes-old')).toBe(false);
    expect(m.matches('/files/etc')).toBe(false);
  });

  it('keeps * within one component and lets ** cross them', () => {
    expect(pathMatcher(['/files/*/a.conf']).matches('/files/etc/a.conf')).toBe(true);
    expect(pathMatcher(['/files/*/a.conf']).matches('/files/etc/x/a.conf')).toBe(false);
    expect(pathMatcher(['/files/**/a.conf']).matches('/files/etc/x/a.conf')).toBe(true);
    expect(pathMatcher(['/files/**/a.conf']).matches('/files/a.conf')).toBe(true);
    expect(pathMatcher(['*.crt']).matches('/files/etc/kubernetes/pki/ca.crt')).toBe(true);
    expect(pathMatcher(['*.crt']).matches('/files/etc/kubernetes/pki/ca.key')).toBe(false);
  });

  it('treats regular-expression characters literally', () => {
    expect(pathMatcher(['/files/a+b (1).txt']).matches('/files/a+b (1).txt')).toBe(true);
    expect(pathMatcher(['/files/a.b']).matches('/files/axb')).toBe(false);
  });

  it('selects every path when there is no pattern, and a literal path always selects itself', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9 ._-]{1,8}$/), { minLength: 1, maxLength: 5 }), (parts) => {
        const path = `/${parts.join('/')}`;
        expect(pathMatcher([]).matches(path)).toBe(true);
        if (!/[*?]/.test(path)) expect(pathMatcher([path]).matches(path)).toBe(true);
      }),
    );
  });
});
