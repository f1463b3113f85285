import { createHash, randomBytes } from 'node:crypto';
import { Redacted } from 'effect';

/** A PKCE pair (RFC 7636, S256): the verifier stays with the app, the challenge goes to the bank. */
export interface PkcePair {
  readonly verifier: Redacted.Redacted<string>;
  readonly challenge: string;
  readonly method: 'S256';
}

const base64url = (b: Buffer): string => b.toString('base64url');

/** The S256 code challenge of a verifier. */
export const pkceChallenge = (verifier: string): string => base64url(createHash('sha256').update(verifier, 'ascii').digest());

/** A fresh PKCE pair with a 43-character verifier (32 random bytes). */
export function createPkcePair(): PkcePair {
  const verifier = base64url(randomBytes(32));
  return { verifier: Redacted.make(verifier), challenge: pkceChallenge(verifier), method: 'S256' };
}

/** A fresh, unguessable OAuth `state` value (bind it to the Link session). */
export const createState = (): string => base64url(randomBytes(24));
