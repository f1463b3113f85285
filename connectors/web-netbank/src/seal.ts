/**
 * Sealing the credentials a pending challenge carries. After the last answer the connector
 * must hand back a grant that can log in again — so it needs the password — but a challenge
 * state travels through the Link page and other processes and must never hold it in clear.
 * It holds it encrypted (AES-256-GCM) under a key derived from the deployment's `stateKey`.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Redacted, Schema } from 'effect';
import { NetbankLogin } from './schemas';

/** What a challenge state seals: how to log in again. */
export interface SealedCredentials {
  readonly login: NetbankLogin;
  readonly password: Redacted.Redacted<string>;
}

const Plain = Schema.toCodecJson(Schema.Struct({ login: NetbankLogin, password: Schema.Redacted(Schema.String) }));
const AAD = Buffer.from('kinko/web-netbank/challenge-credentials/v1');

const keyOf = (stateKey: Redacted.Redacted<string>): Buffer =>
  createHash('sha256').update('kinko web-netbank state key\0').update(Redacted.value(stateKey)).digest();

/** Encrypts the credentials (base64url of iv ‖ tag ‖ ciphertext), as a secret value. */
export function sealCredentials(stateKey: Redacted.Redacted<string>, credentials: SealedCredentials): Redacted.Redacted<string> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(stateKey), iv);
  cipher.setAAD(AAD);
  const plain = Buffer.from(JSON.stringify(Schema.encodeSync(Plain)(credentials)), 'utf8');
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Redacted.make(Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url'));
}

/** Decrypts sealed credentials; undefined when the key is another or the text was altered. */
export function unsealCredentials(stateKey: Redacted.Redacted<string>, sealed: Redacted.Redacted<string>): SealedCredentials | undefined {
  try {
    const raw = Buffer.from(Redacted.value(sealed), 'base64url');
    if (raw.length < 29) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', keyOf(stateKey), raw.subarray(0, 12));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(12, 28));
    const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    const decoded = Schema.decodeUnknownResult(Plain)(JSON.parse(plain));
    return decoded._tag === 'Success' ? decoded.success : undefined;
  } catch {
    // A wrong key or altered text fails authentication: no detail worth passing on.
    return undefined;
  }
}
