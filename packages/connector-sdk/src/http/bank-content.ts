/** The most characters of a bank's answer kept in an error's `content`. */
export const MAX_BANK_CONTENT = 1_000;

const REDACTED = '[redacted]';
// JSON members whose value is a secret, whatever the bank echoes back.
const SECRET_MEMBER = /("[A-Za-z_-]*(?:token|secret|password|passwd|pin|otp|authorization|api[_-]?key|assertion|verifier|cookie|session)[A-Za-z_-]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;
// Account identifiers stay out of stored errors: IBANs, and runs of 7+ digits (account numbers).
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;
const LONG_DIGITS = /\d{7,}/g;

/**
 * What a bank's error answer may show of itself (syncError.aspspResponse.content): the
 * body as text, with every secret the request carried (its `Redacted` values), secret-named
 * JSON members, IBANs and account-number-like digit runs replaced by `[redacted]`, clipped
 * to {@link MAX_BANK_CONTENT} characters.
 */
export function bankContent(body: Uint8Array, requestSecrets: readonly string[] = []): string {
  // Bounded work whatever the bank sent: a few times the kept length.
  let text = Buffer.from(body.subarray(0, MAX_BANK_CONTENT * 4)).toString('utf8');
  for (const secret of requestSecrets) if (secret.length >= 4) text = text.split(secret).join(REDACTED);
  text = text.replace(SECRET_MEMBER, `$1"${REDACTED}"`).replace(IBAN, REDACTED).replace(LONG_DIGITS, REDACTED);
  return text.length > MAX_BANK_CONTENT ? `${text.slice(0, MAX_BANK_CONTENT - 1)}…` : text;
}
