/**
 * Bank sessions kept in this process, one per grant. A grant is immutable once the app has
 * stored it, but the bank's session cookie changes whenever the connector has to log in
 * again; keeping the live jar here lets every later call of the same grant reuse that
 * session instead of logging in each time (net banks lock users who log in too often, and
 * a new login ends the previous session).
 */
import { createHash } from 'node:crypto';
import { Redacted } from 'effect';
import { deserializeCookieJar, type CookieJar, type Outcome } from '@kinko/connector-sdk';
import type { WebNetbankGrant } from './schemas';

/** One grant's live browser session. */
export interface SessionEntry {
  readonly jar: CookieJar;
  /** Bumped by every completed re-login: a call that started before one just retries. */
  generation: number;
  /** The re-login in progress, shared by every call that found the session gone. */
  relogin: Promise<Outcome<void>> | undefined;
}

// Bounded: a worker serving many connections forgets the least recently used sessions
// (they are re-created from the grant's cookies when needed).
const MAX_ENTRIES = 500;

/** The sessions of one connector client. */
export class SessionPool {
  private readonly entries = new Map<string, SessionEntry>();

  /** The entry of `grant`, created from the grant's cookies when there is none. */
  entry(grant: WebNetbankGrant): SessionEntry {
    const key = keyOf(grant);
    const found = this.entries.get(key);
    if (found) {
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    const created: SessionEntry = { jar: deserializeCookieJar(grant.cookies), generation: 0, relogin: undefined };
    this.remember(key, created);
    return created;
  }

  /** Makes `grant` (e.g. the one a refresh returned) use `entry`. */
  alias(grant: WebNetbankGrant, entry: SessionEntry): void {
    this.remember(keyOf(grant), entry);
  }

  /** Forgets `grant`'s session (after a logout). */
  forget(grant: WebNetbankGrant): void {
    this.entries.delete(keyOf(grant));
  }

  private remember(key: string, entry: SessionEntry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

// The grant's cookie jar holds a session secret: only a digest of it is used as the key.
const keyOf = (grant: WebNetbankGrant): string => createHash('sha256').update(Redacted.value(grant.cookies)).digest('base64url');
