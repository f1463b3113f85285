import { Schema } from 'effect';

/** True for an absolute http(s) URL without query, fragment or credentials: a base the API paths are appended to. */
export function isBaseUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.search === '' && url.hash === '' && url.username === '' && url.password === '' && !text.includes('?') && !text.includes('#');
}

const BaseUrl = Schema.String.pipe(Schema.check(Schema.makeFilter((s: string) => isBaseUrl(s) || 'expected an absolute http(s) URL without query, fragment or credentials')));
const Secret = Schema.Redacted(Schema.String.pipe(Schema.check(Schema.isMinLength(1))));

/**
 * The deployment's config of one 銀行共通API bank connector: the client credentials the bank
 * issued to Kinko (`api_key` and its password, both kept `Redacted`), and optionally another
 * base URL than the bank definition's (the bank's staging environment, a sandbox). An
 * overriding URL's host must also be allowed: pass it in `extraAllowedHosts` when creating
 * the client, or calls fail with `PermanentError` `host_not_allowed`.
 */
export const BankCommonApiConfig = Schema.Struct({
  apiKey: Secret,
  password: Secret,
  baseUrl: Schema.optional(BaseUrl),
});
/** The deployment's config of one 銀行共通API bank connector. */
export type BankCommonApiConfig = typeof BankCommonApiConfig.Type;

/**
 * What Kinko holds for one user's connection to a 銀行共通API bank (stored only encrypted):
 * the user's access token and refresh token, and when each stops working. The bank reports
 * the access token's lifetime; the refresh token's end is an estimate from the bank
 * definition's `refreshTokenDays` (the API does not report it).
 */
export const BankCommonApiGrant = Schema.Struct({
  accessToken: Schema.Redacted(Schema.String),
  refreshToken: Schema.Redacted(Schema.String),
  accessExpiresAt: Schema.Date,
  refreshExpiresAt: Schema.Date,
});
/** One user's tokens at one bank. */
export type BankCommonApiGrant = typeof BankCommonApiGrant.Type;
