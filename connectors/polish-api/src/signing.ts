/**
 * X-JWS-SIGNATURE: every request carries a JWS over its exact body bytes with the payload
 * detached (RFC 7515 Appendix F), written `BASE64URL(header)..BASE64URL(signature)`, signed
 * with the TPP's private key; the header names the key (`kid`). The bank's answers may carry
 * the same kind of signature with the bank's key, which the connector verifies when the
 * deployment gives it that key.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { Redacted } from 'effect';
import { CompactSign, base64url, decodeProtectedHeader, flattenedVerify } from 'jose';

/** The asymmetric JWS algorithms PolishAPI banks use (never `none`, never HMAC). */
export const JWS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
/** One of {@link JWS_ALGORITHMS}. */
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

/** A problem with a configured key; its message never quotes the key. */
export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

/** Signs request bodies. */
export interface RequestSigner {
  /** The detached JWS of `body` (the exact text sent). */
  sign(body: string): Promise<string>;
  /** The `kid` written into every header. */
  readonly keyId: string;
  readonly algorithm: JwsAlgorithm;
}

function algorithmOf(key: KeyObject): JwsAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return 'ES256';
      if (curve === 'secp384r1') return 'ES384';
      if (curve === 'secp521r1') return 'ES512';
      throw new SigningKeyError('unsupported elliptic curve');
    }
    case 'rsa':
    case 'rsa-pss':
      return 'RS256';
    case 'ed25519':
      return 'EdDSA';
    default:
      throw new SigningKeyError(`unsupported key type ${String(key.asymmetricKeyType)}`);
  }
}

const fitsKey = (alg: JwsAlgorithm, key: KeyObject): boolean => {
  const type = key.asymmetricKeyType;
  if (alg.startsWith('ES')) return type === 'ec' && algorithmOf(key) === alg;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  return type === 'ed25519';
};

/** Parses a private key given as a JWK (JSON text) or PKCS#8 / SEC1 / PKCS#1 PEM. Throws {@link SigningKeyError} without quoting it. */
export function parsePrivateKey(text: string): { readonly key: KeyObject; readonly kid: string | undefined; readonly alg: string | undefined } {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('-----BEGIN')) return { key: createPrivateKey(trimmed), kid: undefined, alg: undefined };
    const jwk: unknown = JSON.parse(trimmed);
    if (typeof jwk !== 'object' || jwk === null || !('d' in jwk)) throw new SigningKeyError('the signing key must be a private JWK or a PEM private key');
    const { kid, alg } = jwk as { kid?: unknown; alg?: unknown };
    return {
      key: createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }),
      kid: typeof kid === 'string' ? kid : undefined,
      alg: typeof alg === 'string' ? alg : undefined,
    };
  } catch (e) {
    // Parser messages may quote the key material: only say what went wrong in general.
    if (e instanceof SigningKeyError) throw e;
    throw new SigningKeyError('the signing key is not a readable private key (JWK JSON or PEM)');
  }
}

/**
 * A signer for the TPP's key. `keyId` defaults to the JWK's `kid`, else `fallbackKeyId`;
 * `algorithm` defaults to the JWK's `alg`, else the key's natural one (EC curve → ES*, RSA →
 * RS256, Ed25519 → EdDSA). Throws {@link SigningKeyError} for a key it cannot use.
 */
export function createRequestSigner(secret: Redacted.Redacted<string>, options: { readonly keyId?: string; readonly algorithm?: JwsAlgorithm; readonly fallbackKeyId: string }): RequestSigner {
  const parsed = parsePrivateKey(Redacted.value(secret));
  const fromJwk = parsed.alg !== undefined && (JWS_ALGORITHMS as readonly string[]).includes(parsed.alg) ? (parsed.alg as JwsAlgorithm) : undefined;
  const algorithm = options.algorithm ?? fromJwk ?? algorithmOf(parsed.key);
  if (!fitsKey(algorithm, parsed.key)) throw new SigningKeyError(`the signing key cannot sign ${algorithm}`);
  const keyId = options.keyId ?? parsed.kid ?? options.fallbackKeyId;
  const encoder = new TextEncoder();
  return {
    keyId,
    algorithm,
    async sign(body) {
      const compact = await new CompactSign(encoder.encode(body)).setProtectedHeader({ alg: algorithm, kid: keyId }).sign(parsed.key);
      const [header, , signature] = compact.split('.');
      return `${header}..${signature}`;
    },
  };
}

/** Verifies the bank's detached signatures of its answers. */
export interface ResponseVerifier {
  /** Whether `signature` (the X-JWS-SIGNATURE header) signs exactly `body` with the bank's key. */
  verify(signature: string | undefined, body: Uint8Array): Promise<boolean>;
}

const DETACHED = /^([A-Za-z0-9_-]+)\.\.([A-Za-z0-9_-]+)$/;

/** A verifier for the bank's public key (a JWK as JSON text). Throws {@link SigningKeyError} for an unusable key. */
export function createResponseVerifier(publicJwk: string): ResponseVerifier {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: JSON.parse(publicJwk) as JsonWebKey, format: 'jwk' });
  } catch {
    throw new SigningKeyError('the bank signing key is not a readable public JWK');
  }
  return {
    async verify(signature, body) {
      const m = signature === undefined ? null : DETACHED.exec(signature.trim());
      if (!m) return false;
      const [, protectedHeader = '', sig = ''] = m;
      try {
        const header = decodeProtectedHeader({ protected: protectedHeader, signature: sig });
        const unencoded = header.b64 === false;
        if (unencoded && !(Array.isArray(header.crit) && header.crit.includes('b64'))) return false;
        const payload = unencoded ? new TextDecoder().decode(body) : base64url.encode(body);
        await flattenedVerify({ protected: protectedHeader, payload, signature: sig }, key, { algorithms: [...JWS_ALGORITHMS] });
        return true;
      } catch {
        return false;
      }
    },
  };
}
