import type { Challenge } from '@kinko/connector-sdk';
import { Redacted } from 'effect';
import { type SealedSecret, openSecret, sealSecret } from '../secrets/envelope';
import type { MasterKeyring } from '../secrets/master-keyring';
import type { AuthAttempt } from './auth-attempt.entity';

/** What a waiting auth attempt keeps, encrypted: the challenge to show and the connector's state to answer it with. */
export interface ChallengePayload {
  readonly challenge: Challenge;
  /** The connector's `serializeChallengeState` output (may carry a sealed login and bank cookies). */
  readonly state: Redacted.Redacted<string>;
}

interface PayloadJson {
  readonly v: 1;
  readonly challenge: Challenge;
  readonly state: string;
}

/** Bound into the envelope (with tenant and connection): a payload copied under another connection or tenant does not open. */
export const CHALLENGE_PAYLOAD_PURPOSE = 'challenge';
const PURPOSE = CHALLENGE_PAYLOAD_PURPOSE;

/** Encrypts a payload for one connection (envelope encryption under the current master key). */
export function sealChallengePayload(keyring: MasterKeyring, binding: { tenantId: string; connectionId: string }, payload: ChallengePayload): SealedSecret {
  const json: PayloadJson = { v: 1, challenge: payload.challenge, state: Redacted.value(payload.state) };
  const plain = Buffer.from(JSON.stringify(json), 'utf8');
  try {
    return sealSecret(keyring, plain, { ...binding, purpose: PURPOSE });
  } finally {
    plain.fill(0);
  }
}

/** Thrown when a waiting attempt holds no payload, or one that does not open (e.g. its master key was removed). */
export class UnreadableChallengeError extends Error {
  override readonly name = 'UnreadableChallengeError';
}

/** Decrypts the payload of a waiting attempt. */
export function openChallengePayload(keyring: MasterKeyring, attempt: AuthAttempt): ChallengePayload {
  if (!attempt.masterKeyId || !attempt.wrappedDataKey || !attempt.nonce || !attempt.ciphertext || !attempt.authTag) {
    throw new UnreadableChallengeError('the attempt holds no challenge');
  }
  let plain: Buffer;
  try {
    plain = openSecret(
      keyring,
      { masterKeyId: attempt.masterKeyId, wrappedDataKey: attempt.wrappedDataKey, nonce: attempt.nonce, ciphertext: attempt.ciphertext, authTag: attempt.authTag },
      { tenantId: attempt.tenantId, connectionId: attempt.connectionId, purpose: PURPOSE },
    );
  } catch (e) {
    throw new UnreadableChallengeError(e instanceof Error ? e.message : 'the challenge does not open');
  }
  try {
    const json = JSON.parse(plain.toString('utf8')) as Partial<PayloadJson>;
    if (json.v !== 1 || typeof json.state !== 'string' || typeof json.challenge !== 'object' || json.challenge === null) {
      throw new UnreadableChallengeError('the challenge record is not in the expected format');
    }
    return { challenge: json.challenge, state: Redacted.make(json.state, { label: 'challenge state' }) };
  } finally {
    plain.fill(0);
  }
}

/** The columns that clear a sealed payload (once it is used or no longer needed). */
export const NO_PAYLOAD = { masterKeyId: null, wrappedDataKey: null, nonce: null, ciphertext: null, authTag: null } as const;
