import { Schema } from 'effect';

/** An image relayed to the user (CAPTCHA, puzzle), carried as base64 so it stays JSON. */
export const ChallengeImage = Schema.Struct({
  /** e.g. `image/png` */
  mediaType: Schema.String.pipe(Schema.check(Schema.isPattern(/^image\/[a-z0-9.+-]+$/))),
  base64: Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Za-z0-9+/]*={0,2}$/))),
});
/** An image relayed to the user. */
export type ChallengeImage = typeof ChallengeImage.Type;

/**
 * What the bank asks before it lets the user in (seed statuses
 * `suspended.missing-answer.auth.*`). `prompt` is the bank's text (the secret question
 * itself for `security`). A puzzle cannot be answered through the API, only on the Link page.
 */
export const Challenge = Schema.Union([
  Schema.Struct({ kind: Schema.Literal('security'), prompt: Schema.String }),
  Schema.Struct({ kind: Schema.Literal('otp'), prompt: Schema.String, length: Schema.optional(Schema.Int) }),
  Schema.Struct({ kind: Schema.Literal('captcha'), prompt: Schema.String, image: ChallengeImage }),
  Schema.Struct({ kind: Schema.Literal('puzzle'), prompt: Schema.String, image: Schema.optional(ChallengeImage) }),
]);
/** A challenge raised by the bank during login. */
export type Challenge = typeof Challenge.Type;
