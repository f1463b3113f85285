import { Redacted } from 'effect';

/** The longest bank answer kept for the account's syncError (`aspspResponse.content`). */
export const MAX_ANSWER_CHARS = 300;

/** What replaces a secret, a token-like value or an account number in a bank's answer. */
export const REDACTED = '<redacted>';

// The 銀行共通API defines no error body, so an answer may quote anything: the tokens or the
// client's credentials it refused, or an account number (7 digits; longer digit runs too).
const TOKEN_LIKE = /[A-Za-z0-9._~+/=-]{24,}/g;
const DIGIT_RUN = /\d{6,}/g;

/**
 * A bank's answer (its body as text) fit to be kept and shown as the account's syncError:
 * every given secret, anything token-like (24+ characters of a token's alphabet) and every run
 * of 6+ digits (account numbers) replaced by `<redacted>`, whitespace collapsed, at most
 * {@link MAX_ANSWER_CHARS} characters.
 */
export function redactedAnswer(text: string, secrets: ReadonlyArray<Redacted.Redacted<string> | string>): string {
  let out = text;
  for (const s of secrets) {
    const value = typeof s === 'string' ? s : Redacted.value(s);
    if (value.length >= 4) out = out.split(value).join(REDACTED);
  }
  out = out.replace(TOKEN_LIKE, (m) => (m === REDACTED ? m : REDACTED)).replace(DIGIT_RUN, REDACTED).replace(/\s+/g, ' ').trim();
  return out.length > MAX_ANSWER_CHARS ? `${out.slice(0, MAX_ANSWER_CHARS - 1)}…` : out;
}
