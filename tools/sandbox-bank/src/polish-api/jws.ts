/**
 * X-JWS-SIGNATURE: a JWS over the exact HTTP body with the payload detached (RFC 7515
 * Appendix F), written `BASE64URL(header)..BASE64URL(signature)`. The spec says only
 * "Detached JWS signature of the body"; the sandbox therefore accepts the plain RFC 7515
 * form (payload base64url-encoded before signing, the default) and the RFC 7797 form
 * (`"b64": false` with `"crit": ["b64"]`, payload signed as is), both with asymmetric
 * algorithms only. The header's `kid` names the client's registered key.
 */
import { CompactSign, FlattenedSign, base64url, decodeProtectedHeader, flattenedVerify, importJWK, type CryptoKey, type JWK, type JWSHeaderParameters, type KeyObject } from 'jose';

/** The signature algorithms the sandbox accepts (asymmetric only: no `none`, no HMAC). */
export const JWS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** One of {@link JWS_ALGORITHMS}. */
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

/** The protected header of a detached signature. */
export interface DetachedJwsHeader extends JWSHeaderParameters {
  /** The algorithm. */
  readonly alg: string;
  /** Key id: the client's registered key. */
  readonly kid?: string;
  /** false: RFC 7797 unencoded payload (`crit` must then list `b64`). */
  readonly b64?: boolean;
}

/** A key jose can sign with: a private CryptoKey, KeyObject or private JWK. */
export type SigningKey = CryptoKey | KeyObject | JWK;

/**
 * Signs `body` — exactly the bytes that will be sent — and returns the X-JWS-SIGNATURE value
 * `header..signature`. With `b64: false` in the header the RFC 7797 form is produced.
 */
export async function signDetachedJws(body: string | Uint8Array, key: SigningKey, header: DetachedJwsHeader): Promise<string> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  if (header.b64 === false) {
    const crit = [...new Set([...(header.crit ?? []), 'b64'])];
    const jws = await new FlattenedSign(bytes).setProtectedHeader({ ...header, b64: false, crit }).sign(key);
    return `${jws.protected}..${jws.signature}`;
  }
  const compact = await new CompactSign(bytes).setProtectedHeader(header).sign(key);
  const [protectedHeader, , signature] = compact.split('.');
  return `${protectedHeader}..${signature}`;
}

/** Why a detached signature was not accepted. */
export type JwsRejection =
  /** Missing, or not of the form `header..signature`. */
  | 'format'
  /** The header does not decode, or its `alg`/`crit`/`b64` are unacceptable. */
  | 'header'
  /** No registered key has the header's `kid`. */
  | 'unknown-key'
  /** The signature does not match the body and key. */
  | 'mismatch';

/** Outcome of {@link verifyDetachedJws}. */
export type JwsVerification<K> =
  | { readonly ok: true; readonly header: DetachedJwsHeader; readonly keyOwner: K }
  | { readonly ok: false; readonly reason: JwsRejection; readonly message: string };

const DETACHED = /^([A-Za-z0-9_-]+)\.\.([A-Za-z0-9_-]+)$/;

/**
 * Verifies X-JWS-SIGNATURE against the raw `body`. `resolve(kid)` returns the registered key
 * for a key id and its owner (the client), or undefined.
 */
export async function verifyDetachedJws<K>(
  value: string | undefined,
  body: string,
  resolve: (kid: string | undefined) => { readonly jwk: JWK; readonly owner: K } | undefined,
  keyCache: Map<string, CryptoKey | Uint8Array> = new Map(),
): Promise<JwsVerification<K>> {
  const m = value === undefined ? null : DETACHED.exec(value.trim());
  if (!m) return { ok: false, reason: 'format', message: 'X-JWS-SIGNATURE must be a detached JWS: BASE64URL(header)..BASE64URL(signature)' };
  const [, protectedHeader, signature] = m as unknown as [string, string, string];
  let header: DetachedJwsHeader;
  try {
    header = decodeProtectedHeader({ protected: protectedHeader, signature }) as DetachedJwsHeader;
  } catch {
    return { ok: false, reason: 'header', message: 'the JWS protected header is not base64url-encoded JSON' };
  }
  if (typeof header.alg !== 'string' || !(JWS_ALGORITHMS as readonly string[]).includes(header.alg)) {
    return { ok: false, reason: 'header', message: `JWS alg must be one of ${JWS_ALGORITHMS.join(', ')}` };
  }
  const unencoded = header.b64 === false;
  if (header.b64 !== undefined && typeof header.b64 !== 'boolean') return { ok: false, reason: 'header', message: 'JWS b64 must be a boolean' };
  if (unencoded && !(Array.isArray(header.crit) && header.crit.includes('b64'))) return { ok: false, reason: 'header', message: 'JWS b64=false requires crit ["b64"] (RFC 7797)' };
  const found = resolve(typeof header.kid === 'string' ? header.kid : undefined);
  if (!found) return { ok: false, reason: 'unknown-key', message: `no registered client key has kid "${String(header.kid)}"` };
  try {
    const cacheKey = `${String(header.kid)}|${header.alg}|${JSON.stringify(found.jwk)}`;
    let key = keyCache.get(cacheKey);
    if (!key) {
      key = await importJWK(found.jwk, header.alg);
      keyCache.set(cacheKey, key);
    }
    await flattenedVerify({ protected: protectedHeader, payload: unencoded ? body : base64url.encode(body), signature }, key, { algorithms: [header.alg] });
  } catch (e) {
    return { ok: false, reason: 'mismatch', message: `the JWS signature does not verify against the body and the client's key (${e instanceof Error ? e.message : String(e)})` };
  }
  return { ok: true, header, keyOwner: found.owner };
}
