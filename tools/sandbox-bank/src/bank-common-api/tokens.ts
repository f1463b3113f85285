/**
 * The bank's token store, with the spec's lifetimes and invalidation rules:
 * system tokens coexist; an auth token (from login) is used once; issuing a user's
 * access + refresh pair invalidates the user's previous pair; refreshing rotates the pair.
 */
import { randomBytes } from 'node:crypto';

/** Token lifetimes in seconds. */
export interface TokenLifetimes {
  /** System access token (spec: any, ~60 minutes recommended). */
  readonly systemToken: number;
  /** Auth token handed to the redirect URI (spec: 3 minutes or less). */
  readonly authToken: number;
  /** User access token (spec: ~60 minutes). */
  readonly accessToken: number;
  /** Refresh token (spec: ~180 days). */
  readonly refreshToken: number;
}

/** The spec's recommended lifetimes. */
export const DEFAULT_TOKEN_LIFETIMES: TokenLifetimes = {
  systemToken: 3600,
  authToken: 180,
  accessToken: 3600,
  refreshToken: 180 * 86_400,
};

/** What a bank does when a refresh token that was already rotated away is presented again. */
export type RefreshReusePolicy = 'reject' | 'revoke-all';

/** A token pair as issued. */
export interface IssuedPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** When the access token expires, milliseconds since the epoch. */
  readonly expiresAt: number;
}

interface UserBound {
  readonly apiKey: string;
  readonly userId: string;
  readonly grants: string;
  readonly expiresAt: number;
}

interface PairRecord extends UserBound {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly refreshExpiresAt: number;
}

/** A valid system token's binding. */
export interface SystemGrant {
  readonly apiKey: string;
  readonly grants: string;
}

/** A valid access token's binding. */
export interface UserGrant {
  readonly apiKey: string;
  readonly userId: string;
  readonly grants: string;
}

const newToken = (): string => randomBytes(24).toString('base64url');

/** All tokens of one bank. */
export class TokenStore {
  private readonly system = new Map<string, SystemGrant & { expiresAt: number }>();
  private readonly auth = new Map<string, UserBound>();
  private readonly byAccess = new Map<string, PairRecord>();
  private readonly byRefresh = new Map<string, PairRecord>();
  private readonly current = new Map<string, PairRecord>();
  /** Refresh tokens that were rotated or replaced, with their user (for reuse detection). */
  private readonly retired = new Map<string, string>();

  /** Issues a system token; earlier ones stay valid. */
  issueSystem(apiKey: string, grants: string, now: number, lifetimeSeconds: number): { token: string; createdAt: number; expiresAt: number } {
    const token = newToken();
    const expiresAt = now + lifetimeSeconds * 1000;
    this.system.set(token, { apiKey, grants, expiresAt });
    return { token, createdAt: now, expiresAt };
  }

  /** The binding of a valid system token, or undefined. */
  checkSystem(token: string, now: number): SystemGrant | undefined {
    const rec = this.system.get(token);
    if (!rec) return undefined;
    if (now >= rec.expiresAt) {
      this.system.delete(token);
      return undefined;
    }
    return { apiKey: rec.apiKey, grants: rec.grants };
  }

  /** Issues a one-time auth token for a user who just logged in. */
  issueAuth(apiKey: string, userId: string, grants: string, now: number, lifetimeSeconds: number): string {
    const token = newToken();
    this.auth.set(token, { apiKey, userId, grants, expiresAt: now + lifetimeSeconds * 1000 });
    return token;
  }

  /** Uses up an auth token issued to `apiKey`; undefined when unknown, used, expired or for another client. */
  consumeAuth(token: string, apiKey: string, now: number): UserGrant | undefined {
    const rec = this.auth.get(token);
    if (!rec || rec.apiKey !== apiKey) return undefined;
    this.auth.delete(token);
    if (now >= rec.expiresAt) return undefined;
    return { apiKey: rec.apiKey, userId: rec.userId, grants: rec.grants };
  }

  /** Issues a user's access + refresh pair; the user's previous pair dies at once. */
  issuePair(grant: UserGrant, now: number, lifetimes: TokenLifetimes, refreshExpiresAt?: number): IssuedPair {
    this.revokeUser(grant.apiKey, grant.userId);
    const rec: PairRecord = {
      ...grant,
      accessToken: newToken(),
      refreshToken: newToken(),
      expiresAt: now + lifetimes.accessToken * 1000,
      refreshExpiresAt: refreshExpiresAt ?? now + lifetimes.refreshToken * 1000,
    };
    this.byAccess.set(rec.accessToken, rec);
    this.byRefresh.set(rec.refreshToken, rec);
    this.current.set(userKey(grant.apiKey, grant.userId), rec);
    return { accessToken: rec.accessToken, refreshToken: rec.refreshToken, createdAt: now, expiresAt: rec.expiresAt };
  }

  /** The binding of a valid access token, or undefined. */
  checkAccess(token: string, now: number): UserGrant | undefined {
    const rec = this.byAccess.get(token);
    if (!rec || now >= rec.expiresAt) return undefined;
    return { apiKey: rec.apiKey, userId: rec.userId, grants: rec.grants };
  }

  /**
   * Rotates a pair: a new pair for the refresh token's user, the old pair dead. An
   * unknown, expired or already rotated refresh token gives undefined; under
   * `revoke-all`, presenting a rotated one also kills the user's current pair.
   */
  refresh(
    apiKey: string,
    refreshToken: string,
    now: number,
    lifetimes: TokenLifetimes | ((userId: string) => TokenLifetimes),
    reuse: RefreshReusePolicy,
    keepsRefreshExpiry: (userId: string) => boolean = () => false,
  ): IssuedPair | undefined {
    const rec = this.byRefresh.get(refreshToken);
    if (!rec || rec.apiKey !== apiKey) {
      const owner = this.retired.get(refreshToken);
      if (owner !== undefined && reuse === 'revoke-all' && owner.startsWith(`${apiKey}\u0000`)) {
        const cur = this.current.get(owner);
        if (cur) this.revokeUser(cur.apiKey, cur.userId);
      }
      return undefined;
    }
    if (now >= rec.refreshExpiresAt) {
      this.revokeUser(rec.apiKey, rec.userId);
      return undefined;
    }
    const forUser = typeof lifetimes === 'function' ? lifetimes(rec.userId) : lifetimes;
    return this.issuePair({ apiKey: rec.apiKey, userId: rec.userId, grants: rec.grants }, now, forUser, keepsRefreshExpiry(rec.userId) ? rec.refreshExpiresAt : undefined);
  }

  /** Revokes the pair of a refresh token; true when there was one. */
  revoke(apiKey: string, refreshToken: string): boolean {
    const rec = this.byRefresh.get(refreshToken);
    if (!rec || rec.apiKey !== apiKey) return false;
    this.revokeUser(rec.apiKey, rec.userId);
    return true;
  }

  /** Revokes every user token and pending auth token (e.g. the bank forced everyone to log in again). */
  revokeAllUserTokens(): void {
    for (const rec of this.current.values()) this.revokeUser(rec.apiKey, rec.userId);
    this.auth.clear();
  }

  private revokeUser(apiKey: string, userId: string): void {
    const key = userKey(apiKey, userId);
    const rec = this.current.get(key);
    if (!rec) return;
    this.byAccess.delete(rec.accessToken);
    this.byRefresh.delete(rec.refreshToken);
    this.retired.set(rec.refreshToken, key);
    this.current.delete(key);
  }
}

function userKey(apiKey: string, userId: string): string {
  return `${apiKey}\u0000${userId}`;
}
