import { describe, expect, it } from '@jest/globals';
import { createConnectorRegistry, createPkcePair, createState, DuplicateConnectorIdError, pkceChallenge, UnknownConnectorError } from '../src';
import { Redacted } from 'effect';
import { toyConnector } from './fake-bank/toy-connector';

describe('the connector registry', () => {
  const a = toyConnector({ flow: 'credentials' });
  const b = toyConnector({ flow: 'redirect' });

  it('finds registered connectors by id, in registration order', () => {
    const registry = createConnectorRegistry([a, b]);
    expect(registry.ids).toEqual(['toy-credentials', 'toy-redirect']);
    expect(registry.get('toy-redirect')).toBe(b);
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.require('toy-credentials')).toBe(a);
    expect(() => registry.require('nope')).toThrow(UnknownConnectorError);
    expect(registry.list()).toEqual([a, b]);
  });

  it('rejects duplicate ids, naming them', () => {
    const again = toyConnector({ flow: 'redirect', id: 'toy-credentials' });
    expect(() => createConnectorRegistry([a, b, again])).toThrow(DuplicateConnectorIdError);
    expect(() => createConnectorRegistry([a, b, again])).toThrow('duplicate connector ids: toy-credentials');
  });
});

describe('PKCE and state', () => {
  it('computes S256 as in RFC 7636 appendix B', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('creates fresh pairs whose challenge matches the verifier', () => {
    const p = createPkcePair();
    const verifier = Redacted.value(p.verifier);
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.challenge).toBe(pkceChallenge(verifier));
    expect(p.method).toBe('S256');
    expect(createPkcePair().challenge).not.toBe(p.challenge);
    expect(createState()).not.toBe(createState());
  });
});
