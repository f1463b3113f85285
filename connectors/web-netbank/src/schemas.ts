/**
 * The connector's stored shapes: its config, its grant (what logs in again unattended) and
 * the state of a pending challenge. Secrets are `Redacted`: they print as `<redacted>` and
 * are revealed only in the JSON the app encrypts (`serializeGrant` / `serializeChallengeState`).
 */
import { Schema } from 'effect';
import { ChallengeKind } from '@kinko/domain';

const secret = Schema.Redacted(Schema.String);

/** Deployment settings of one net bank. */
export const WebNetbankConfig = Schema.Struct({
  /** The site's origin, e.g. `https://ib.example-bank.co.jp` (its host must be allowed by the manifest or the app). */
  baseUrl: Schema.String.pipe(
    Schema.check(
      Schema.makeFilter((s: string) => {
        try {
          const u = new URL(s);
          return ((u.protocol === 'https:' || u.protocol === 'http:') && u.search === '' && u.hash === '' && u.username === '') || `not a plain http(s) origin: "${s}"`;
        } catch {
          return `not a URL: "${s}"`;
        }
      }),
    ),
  ),
  /**
   * A deployment secret (≥ 16 characters, the same in every process) that seals the
   * credentials carried by a pending challenge, so that a challenge state never holds the
   * password in clear and can be answered in another process.
   */
  stateKey: Schema.Redacted(Schema.String.pipe(Schema.check(Schema.isMinLength(16)))),
});
/** Deployment settings of one net bank. */
export type WebNetbankConfig = typeof WebNetbankConfig.Type;

/** How the user logs in: by login id, or by branch code and account number. */
export const NetbankLogin = Schema.Union([
  Schema.TaggedStruct('userId', { userId: secret }),
  Schema.TaggedStruct('account', { branchCode: secret, accountNumber: secret }),
]);
/** How the user logs in. */
export type NetbankLogin = typeof NetbankLogin.Type;

/**
 * The grant: this bank has no tokens, so it is what logs in again unattended — the user's
 * credentials and the site's cookies (the remembered-device cookie that spares the OTP or
 * CAPTCHA next time, and the session of the last login, reused while the bank keeps it).
 */
export const WebNetbankGrant = Schema.Struct({
  version: Schema.Literal(1),
  login: NetbankLogin,
  password: secret,
  /** The cookie jar, serialised (`serializeCookieJar`). */
  cookies: secret,
});
/** The grant of a net bank connection. */
export type WebNetbankGrant = typeof WebNetbankGrant.Type;

/**
 * A challenge the user has to answer: the browser session (cookies), the form to post the
 * answer to, and the credentials sealed with the config's `stateKey` (never in clear).
 */
export const WebNetbankChallengeState = Schema.Struct({
  version: Schema.Literal(1),
  kind: ChallengeKind,
  /** 1 for the first challenge of this login, 2 for the one after it… */
  step: Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1))),
  /** Path of the form's action on the bank's site. */
  action: Schema.String.pipe(Schema.check(Schema.isPattern(/^\/[^/\\]/))),
  /** Name of the answer's input field. */
  field: Schema.String.pipe(Schema.check(Schema.isMinLength(1))),
  /** The form token the bank expects back. */
  token: secret,
  cookies: secret,
  /** Login and password, sealed (AES-256-GCM) with the config's stateKey. */
  sealedCredentials: secret,
});
/** The state of a pending challenge. */
export type WebNetbankChallengeState = typeof WebNetbankChallengeState.Type;
