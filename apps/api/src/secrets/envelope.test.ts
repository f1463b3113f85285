import { describe, expect, it } from '@jest/globals';
import { type SecretBinding, SecretDecryptionError, openSecret, rewrapSecret, sealSecret } from './envelope';
import { MasterKeyring } from './master-keyring';

const k1 = { id: 'k1', key: Buffer.alloc(32, 1) };
const k2 = { id: 'k2', key: Buffer.alloc(32, 2) };
const binding: SecretBinding = { tenantId: 'tenant-1', connectionId: 'connection-1', purpose: 'grant' };
const secret = Buffer.from('{"refresh_token":"r-123","access_token":"a-456"}');

describe('envelope encryption', () => {
  it('opens what it sealed, and the sealed form does not contain the plaintext', () => {
    const keyring = new MasterKeyring(k1);
    const sealed = sealSecret(keyring, secret, binding);
    expect(openSecret(keyring, sealed, binding).equals(secret)).toBe(true);
    expect(sealed.masterKeyId).toBe('k1');
    const stored = Buffer.concat([sealed.wrappedDataKey, sealed.nonce, sealed.ciphertext, sealed.authTag]);
    expect(stored.includes(Buffer.from('r-123'))).toBe(false);
    expect(stored.includes(k1.key)).toBe(false);
  });

  it('uses a fresh data key and nonce per record', () => {
    const keyring = new MasterKeyring(k1);
    const a = sealSecret(keyring, secret, binding);
    const b = sealSecret(keyring, secret, binding);
    expect(a.wrappedDataKey.equals(b.wrappedDataKey)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.nonce.equals(b.nonce)).toBe(false);
  });

  it.each<[string, SecretBinding]>([
    ['another connection', { ...binding, connectionId: 'connection-2' }],
    ['another tenant', { ...binding, tenantId: 'tenant-2' }],
    ['another purpose', { ...binding, purpose: 'credentials' }],
  ])('does not open under %s (authenticated data)', (_, other) => {
    const keyring = new MasterKeyring(k1);
    const sealed = sealSecret(keyring, secret, binding);
    expect(() => openSecret(keyring, sealed, other)).toThrow(SecretDecryptionError);
  });

  it('detects any altered byte', () => {
    const keyring = new MasterKeyring(k1);
    const sealed = sealSecret(keyring, secret, binding);
    for (const field of ['wrappedDataKey', 'nonce', 'ciphertext', 'authTag'] as const) {
      const altered = Buffer.from(sealed[field]);
      altered[0] = (altered[0] ?? 0) ^ 1;
      expect(() => openSecret(keyring, { ...sealed, [field]: altered }, binding)).toThrow(SecretDecryptionError);
    }
  });

  it('needs the master key named beside the ciphertext', () => {
    const sealed = sealSecret(new MasterKeyring(k1), secret, binding);
    expect(() => openSecret(new MasterKeyring(k2), sealed, binding)).toThrow(/master key "k1" is not configured/);
    // A key id swapped for another configured key does not open either.
    expect(() => openSecret(new MasterKeyring(k2, [k1]), { ...sealed, masterKeyId: 'k2' }, binding)).toThrow(SecretDecryptionError);
  });

  it('re-wraps under the current key without touching the ciphertext', () => {
    const sealed = sealSecret(new MasterKeyring(k1), secret, binding);
    const rotating = new MasterKeyring(k2, [k1]);
    const rewrapped = rewrapSecret(rotating, sealed, binding);
    expect(rewrapped.masterKeyId).toBe('k2');
    expect(rewrapped.wrappedDataKey.equals(sealed.wrappedDataKey)).toBe(false);
    expect(rewrapped.ciphertext.equals(sealed.ciphertext)).toBe(true);
    expect(rewrapped.nonce.equals(sealed.nonce)).toBe(true);
    expect(rewrapped.authTag.equals(sealed.authTag)).toBe(true);
    // Once re-wrapped, the old key is no longer needed.
    expect(openSecret(new MasterKeyring(k2), rewrapped, binding).equals(secret)).toBe(true);
  });
});
