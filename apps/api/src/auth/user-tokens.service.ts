import { hkdfSync, randomUUID, webcrypto } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { InjectSettings } from '../config/config.module';
import type { Settings } from '../config/settings';
import { UnauthorizedError } from '../common/errors';
import type { UserScope } from '../database/scoped-data';
import type { MasterKeyring } from '../secrets/master-keyring';
import { MASTER_KEYRING } from '../secrets/secrets.service';

const ISSUER = 'kinko';
const AUDIENCE = 'kinko:user';
const ALGORITHM = 'HS256';

/** A minted user token. */
export interface MintedUserToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** What a valid user token carries. */
export interface VerifiedUserToken extends UserScope {
  readonly tokenId: string;
}

/**
 * Short-lived user tokens: HS256 JWTs (jose) carrying tenant and user. The signing key is
 * derived (HKDF-SHA256, its own label) from the current master key, and the JWT's `kid`
 * names that master key; tokens signed before a master-key rotation keep verifying while
 * the old key is still configured.
 */
@Injectable()
export class UserTokensService {
  private readonly signingKeys = new Map<string, Uint8Array>();
  // HMAC keys imported once per master key for verification: jose would otherwise import
  // the raw bytes into a CryptoKey on every request (a measurable share of its CPU).
  private readonly verifyKeys = new Map<string, Promise<webcrypto.CryptoKey>>();
  // Tokens already verified, until their expiry: a client sends the same token with every
  // request, and an HMAC verification through WebCrypto costs more than the rest of the
  // guard. A token is a deterministic function of its claims and key, so a string that
  // verified once verifies again until `exp`; the cache only skips recomputing that. Bounded.
  private readonly verified = new LRUCache<string, { readonly claims: VerifiedUserToken; readonly expiresAtMs: number }>({ max: 10_000 });

  constructor(
    @Inject(MASTER_KEYRING) private readonly keyring: MasterKeyring,
    @InjectSettings() private readonly settings: Settings,
  ) {}

  private signingKey(masterKeyId: string): Uint8Array | undefined {
    const cached = this.signingKeys.get(masterKeyId);
    if (cached) return cached;
    const master = this.keyring.get(masterKeyId);
    if (!master) return undefined;
    const key = new Uint8Array(hkdfSync('sha256', master.key, Buffer.from('kinko'), Buffer.from('user-token-signing/v1'), 32));
    this.signingKeys.set(masterKeyId, key);
    return key;
  }

  private verifyKey(masterKeyId: string): Promise<webcrypto.CryptoKey> | undefined {
    const cached = this.verifyKeys.get(masterKeyId);
    if (cached) return cached;
    const raw = this.signingKey(masterKeyId);
    if (!raw) return undefined;
    const key = webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    this.verifyKeys.set(masterKeyId, key);
    return key;
  }

  /** Mints a token for a user of a tenant, valid `ttlSeconds` (default KINKO_USER_TOKEN_TTL_SECONDS). */
  async mint(scope: UserScope, ttlSeconds: number = this.settings.userTokenTtlSeconds, now: Date = new Date()): Promise<MintedUserToken> {
    const kid = this.keyring.current.id;
    const key = this.signingKey(kid) as Uint8Array;
    const issuedAt = Math.floor(now.getTime() / 1000);
    const expiresAt = issuedAt + ttlSeconds;
    const token = await new SignJWT({ tid: scope.tenantId })
      .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(scope.userId)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(key);
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }

  /** Verifies a token (signature, issuer, audience, expiry); {@link UnauthorizedError} otherwise. */
  async verify(token: string, now: Date = new Date()): Promise<VerifiedUserToken> {
    const known = this.verified.get(token);
    if (known && now.getTime() < known.expiresAtMs) return known.claims;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        (header) => {
          const key = typeof header.kid === 'string' ? this.verifyKey(header.kid) : undefined;
          if (!key) throw new Error('unknown signing key');
          return key;
        },
        { issuer: ISSUER, audience: AUDIENCE, algorithms: [ALGORITHM], currentDate: now },
      ));
    } catch {
      throw new UnauthorizedError('Invalid or expired user token.');
    }
    const tenantId = payload['tid'];
    if (typeof tenantId !== 'string' || typeof payload.sub !== 'string' || typeof payload.jti !== 'string') {
      throw new UnauthorizedError('Invalid or expired user token.');
    }
    const claims: VerifiedUserToken = { tenantId, userId: payload.sub, tokenId: payload.jti };
    if (typeof payload.exp === 'number') this.verified.set(token, { claims, expiresAtMs: payload.exp * 1000 });
    return claims;
  }
}
