// The OAuth side the redirect sandboxes (GMO Aozora, UK Open Banking) share: opaque tokens,
// the PKCE S256 check value, and the token pairs with rotation (one live pair per owner).
import { createHash, randomBytes } from 'node:crypto';

/** An opaque random token (access, refresh, authorisation code). */
export const newToken = (): string => randomBytes(16).toString('hex');

/** The PKCE S256 challenge of a verifier (RFC 7636 §4.2). */
export const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

/** An access and refresh token issued together, and whose they are (a user, a consent). */
export interface TokenPair {
  readonly access: string;
  readonly refresh: string;
  readonly owner: string;
}

/** The token pairs of a sandbox: each owner has one live pair; issuing a new one (rotation) ends the old one. */
export class RotatingTokenPairs {
  private readonly byAccessToken = new Map<string, TokenPair>();
  private readonly byRefreshToken = new Map<string, TokenPair>();
  private readonly live = new Map<string, TokenPair>();

  /** A new pair for `owner`; its previous pair stops working. */
  issue(owner: string): TokenPair {
    this.endOf(owner);
    const pair = { access: newToken(), refresh: newToken(), owner };
    this.byAccessToken.set(pair.access, pair);
    this.byRefreshToken.set(pair.refresh, pair);
    this.live.set(owner, pair);
    return pair;
  }

  /** Ends a pair (revocation); nothing when undefined. */
  end(pair: TokenPair | undefined): void {
    if (pair === undefined) return;
    this.byAccessToken.delete(pair.access);
    this.byRefreshToken.delete(pair.refresh);
    this.live.delete(pair.owner);
  }

  /** Ends the owner's live pair, if any. */
  endOf(owner: string): void {
    this.end(this.live.get(owner));
  }

  /** The live pair of an access token. */
  byAccess(token: string): TokenPair | undefined {
    return this.byAccessToken.get(token);
  }

  /** The live pair of a refresh token. */
  byRefresh(token: string): TokenPair | undefined {
    return this.byRefreshToken.get(token);
  }
}
