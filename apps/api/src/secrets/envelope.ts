import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { MasterKeyring } from './master-keyring';

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** What a secret belongs to; bound into both ciphertexts as additional authenticated data. */
export interface SecretBinding {
  readonly tenantId: string;
  readonly connectionId: string;
  /** What the secret is (`grant`, `credentials`), so one cannot be swapped for the other. */
  readonly purpose: string;
}

/** An envelope-encrypted secret, as stored: nothing here reveals the plaintext without a master key. */
export interface SealedSecret {
  /** Id of the master key that wraps `wrappedDataKey`. */
  readonly masterKeyId: string;
  /** The per-record data key under the master key: nonce ‖ ciphertext ‖ tag. */
  readonly wrappedDataKey: Buffer;
  readonly nonce: Buffer;
  readonly ciphertext: Buffer;
  readonly authTag: Buffer;
}

/** A secret could not be opened: wrong binding, tampered bytes, or an unknown master key. */
export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

// NUL-separated so no two distinct bindings encode to the same bytes (ids never hold NUL).
const secretAad = (b: SecretBinding): Buffer => Buffer.from(['kinko/secret/v1', b.tenantId, b.connectionId, b.purpose].join('\0'));
const dataKeyAad = (masterKeyId: string, b: SecretBinding): Buffer =>
  Buffer.from(['kinko/data-key/v1', masterKeyId, b.tenantId, b.connectionId, b.purpose].join('\0'));

function gcmEncrypt(key: Buffer, plaintext: Buffer, aad: Buffer): { nonce: Buffer; ciphertext: Buffer; tag: Buffer } {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, ciphertext, tag: cipher.getAuthTag() };
}

function gcmDecrypt(key: Buffer, nonce: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer): Buffer {
  if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) throw new SecretDecryptionError('malformed envelope');
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new SecretDecryptionError('the secret does not authenticate (wrong key or binding, or altered data)');
  }
}

/**
 * Seals a small value under a 32-byte key the caller holds (not the master key), e.g. one
 * derived from a one-time secret: nonce ‖ tag ‖ ciphertext, AES-256-GCM with `aad` bound in.
 */
export function sealWithKey(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const { nonce, ciphertext, tag } = gcmEncrypt(key, plaintext, aad);
  return Buffer.concat([nonce, tag, ciphertext]);
}

/** Opens {@link sealWithKey}'s output; {@link SecretDecryptionError} for a wrong key, aad or altered bytes. */
export function openWithKey(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new SecretDecryptionError('malformed envelope');
  return gcmDecrypt(key, sealed.subarray(0, NONCE_BYTES), sealed.subarray(NONCE_BYTES + TAG_BYTES), sealed.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES), aad);
}

function wrapDataKey(keyring: MasterKeyring, dataKey: Buffer, binding: SecretBinding): { masterKeyId: string; wrappedDataKey: Buffer } {
  const master = keyring.current;
  const { nonce, ciphertext, tag } = gcmEncrypt(master.key, dataKey, dataKeyAad(master.id, binding));
  return { masterKeyId: master.id, wrappedDataKey: Buffer.concat([nonce, ciphertext, tag]) };
}

function unwrapDataKey(keyring: MasterKeyring, sealed: Pick<SealedSecret, 'masterKeyId' | 'wrappedDataKey'>, binding: SecretBinding): Buffer {
  const master = keyring.get(sealed.masterKeyId);
  if (!master) throw new SecretDecryptionError(`master key "${sealed.masterKeyId}" is not configured (add it to KINKO_MASTER_KEYS_OLD)`);
  const w = sealed.wrappedDataKey;
  if (w.length !== NONCE_BYTES + KEY_BYTES + TAG_BYTES) throw new SecretDecryptionError('malformed wrapped data key');
  return gcmDecrypt(master.key, w.subarray(0, NONCE_BYTES), w.subarray(NONCE_BYTES, NONCE_BYTES + KEY_BYTES), w.subarray(NONCE_BYTES + KEY_BYTES), dataKeyAad(master.id, binding));
}

/**
 * Envelope encryption (AES-256-GCM): a fresh random data key per secret encrypts the
 * plaintext; the current master key wraps the data key. Both layers authenticate the
 * binding (tenant, connection, purpose), so a record copied under another connection does
 * not open.
 */
export function sealSecret(keyring: MasterKeyring, plaintext: Buffer, binding: SecretBinding): SealedSecret {
  const dataKey = randomBytes(KEY_BYTES);
  try {
    const { nonce, ciphertext, tag } = gcmEncrypt(dataKey, plaintext, secretAad(binding));
    return { ...wrapDataKey(keyring, dataKey, binding), nonce, ciphertext, authTag: tag };
  } finally {
    dataKey.fill(0);
  }
}

/** Opens a sealed secret; throws {@link SecretDecryptionError} on any mismatch. */
export function openSecret(keyring: MasterKeyring, sealed: SealedSecret, binding: SecretBinding): Buffer {
  const dataKey = unwrapDataKey(keyring, sealed, binding);
  try {
    return gcmDecrypt(dataKey, sealed.nonce, sealed.ciphertext, sealed.authTag, secretAad(binding));
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Re-wraps a secret's data key under the current master key. Only `masterKeyId` and
 * `wrappedDataKey` change; nonce, ciphertext and tag stay byte for byte.
 */
export function rewrapSecret(keyring: MasterKeyring, sealed: SealedSecret, binding: SecretBinding): SealedSecret {
  const dataKey = unwrapDataKey(keyring, sealed, binding);
  try {
    return { ...sealed, ...wrapDataKey(keyring, dataKey, binding) };
  } finally {
    dataKey.fill(0);
  }
}
