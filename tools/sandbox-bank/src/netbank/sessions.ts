/**
 * The bank's sessions (one per session cookie): where a login stands — anonymous, in a
 * challenge, held by new terms, or logged in — and when it was last used. Sessions end
 * on logout, on a newer login (policy `replace`), or after being idle too long.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock';
import type { PuzzleGeometry } from './images';
import type { Channel } from './pages/login';

/** A challenge of the login in progress, with what the bank expects. */
export type PendingChallenge =
  | { readonly kind: 'security'; readonly questionIndex: number }
  | { readonly kind: 'otp' }
  | { readonly kind: 'captcha'; readonly answer: string; readonly noiseSeed: number }
  | { readonly kind: 'puzzle'; readonly geometry: PuzzleGeometry; readonly pictureSeed: number };

/** One session. */
export interface NetbankSession {
  /** The session cookie's value. */
  readonly id: string;
  /** Form token: every form posts it back (a stale page cannot be replayed into a new session). */
  token: string;
  /** Which entrance the login came through. */
  channel: Channel;
  /** Where the login stands. */
  stage: 'anonymous' | 'challenge' | 'terms' | 'authenticated';
  /** The persona, once the password was right. */
  userId: string | undefined;
  /** Challenges still to answer; the first is the one on screen. */
  challenges: PendingChallenge[];
  /** When the current challenge was shown (ms). */
  challengeShownAt: number;
  /** Whether a risk-based (new-device) challenge was part of this login. */
  riskBased: boolean;
  /** Last request (ms). */
  lastSeen: number;
}

const MAX_SESSIONS = 20_000;

/** All sessions of the bank. */
export class SessionStore {
  private readonly sessions = new Map<string, NetbankSession>();

  /** `idleMs` is read on every lookup so that the knob takes effect at once. */
  constructor(
    private readonly clock: Clock,
    private readonly idleMs: () => number,
  ) {}

  /** Starts an anonymous session. */
  create(channel: Channel): NetbankSession {
    this.prune();
    const session: NetbankSession = {
      id: randomBytes(24).toString('base64url'),
      token: randomBytes(16).toString('base64url'),
      channel,
      stage: 'anonymous',
      userId: undefined,
      challenges: [],
      challengeShownAt: 0,
      riskBased: false,
      lastSeen: this.now(),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id (not ended, not idle too long), without touching it. */
  peek(id: string | undefined): NetbankSession | undefined {
    if (id === undefined) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (this.now() - s.lastSeen >= this.idleMs()) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  /** The live session with this id, marked as used now. */
  use(id: string | undefined): NetbankSession | undefined {
    const s = this.peek(id);
    if (s) s.lastSeen = this.now();
    return s;
  }

  /** Back to anonymous with a fresh form token (after a failed step). */
  restart(s: NetbankSession): void {
    s.stage = 'anonymous';
    s.userId = undefined;
    s.challenges = [];
    s.riskBased = false;
    s.token = randomBytes(16).toString('base64url');
  }

  /** Replaces a session by a copy under a new id and form token (done at login, against session fixation). */
  rotate(s: NetbankSession): NetbankSession {
    this.sessions.delete(s.id);
    const next: NetbankSession = { ...s, id: randomBytes(24).toString('base64url'), token: randomBytes(16).toString('base64url'), lastSeen: this.now() };
    this.sessions.set(next.id, next);
    return next;
  }

  /** Ends one session. */
  end(id: string): void {
    this.sessions.delete(id);
  }

  /** Live logged-in sessions (incl. those held by new terms) of a user. */
  liveFor(userId: string): NetbankSession[] {
    return [...this.sessions.keys()]
      .map((id) => this.peek(id))
      .filter((s): s is NetbankSession => s !== undefined && s.userId === userId && (s.stage === 'authenticated' || s.stage === 'terms'));
  }

  /** Ends every session of a user (all users when omitted), except `keep`. */
  endAll(userId?: string, keep?: NetbankSession): void {
    for (const [id, s] of this.sessions) {
      if (s !== keep && (userId === undefined || s.userId === userId)) this.sessions.delete(id);
    }
  }

  private prune(): void {
    for (const id of [...this.sessions.keys()]) this.peek(id);
    // Insertion order is age order: drop the oldest beyond the cap.
    while (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
  }

  private now(): number {
    return this.clock().getTime();
  }
}
