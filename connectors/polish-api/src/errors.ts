/**
 * The bank's refusals as the SDK's typed errors. PolishAPI defines the statuses and the
 * Error body `{ responseHeader, code, message }` but no code values; the codes read here are
 * the ones Polish banks (and the sandbox) use, matched case-insensitively. 429 and the
 * retryable 5xx never get here: the SDK's HTTP client turns them into `RateLimited`,
 * `ServiceUnavailable` or `TemporaryError` (honouring Retry-After).
 */
import { ConnectorErrors, type ConnectorError } from '@kinko/connector-sdk';
import type { BankAnswer } from './transport';

/** The longest bank body kept in `BankResponse.content`. */
export const MAX_CONTENT_CHARS = 2_000;

/** The bank's error code, upper-cased, when the body is the spec's Error object. */
export function errorCode(answer: BankAnswer): string | undefined {
  // Not JSON (an HTML error page): no code.
  const body = answer.json;
  if (typeof body !== 'object' || body === null) return undefined;
  const code = (body as { code?: unknown }).code ?? (body as { error?: unknown }).error;
  return typeof code === 'string' && code !== '' ? code.toUpperCase() : undefined;
}

/** The bank's body for `BankResponse.content`: secrets replaced, clipped. */
export function content(answer: BankAnswer, secrets: readonly string[]): string {
  let text = answer.text;
  for (const s of secrets) if (s.length >= 8) text = text.split(s).join('<redacted>');
  return text.length > MAX_CONTENT_CHARS ? `${text.slice(0, MAX_CONTENT_CHARS)}…` : text;
}

const isSignatureProblem = (status: number, code: string | undefined): boolean =>
  code !== undefined && /SIGNATURE|JWS/.test(code) && (status === 400 || status === 401 || status === 403 || status === 422);

/** The bank's code saying the consent ended (expired, or revoked/deleted/rejected), with its answer; undefined for any other code. */
function consentGone(answer: BankAnswer, code: string | undefined, label: string, secrets: readonly string[]): ConnectorError | undefined {
  const why = { message: label, httpStatus: answer.status, content: content(answer, secrets) };
  if (code === 'CONSENT_EXPIRED') return ConnectorErrors.consentExpired(why);
  if (code === 'CONSENT_REVOKED' || code === 'CONSENT_DELETED' || code === 'CONSENT_REJECTED') return ConnectorErrors.consentRevoked(why);
  return undefined;
}

/** What a refused AIS call (an account listing or read) means. */
export function aisError(answer: BankAnswer, where: { readonly operation: string; readonly accountNumber?: string; readonly secrets: readonly string[] }): ConnectorError {
  const { status } = answer;
  const code = errorCode(answer);
  const label = `${where.operation} answered ${status}${code !== undefined ? ` ${code}` : ''}`;
  if (isSignatureProblem(status, code)) return ConnectorErrors.signature({ message: `${label}: the bank refused the request signature` });
  if (status === 401) {
    const gone = consentGone(answer, code, label, where.secrets);
    if (gone !== undefined) return gone;
    // TOKEN_INVALID, TOKEN_EXPIRED or an unnamed 401: the grant no longer works (the app refreshes).
    return ConnectorErrors.credentialsInvalid({ message: label });
  }
  if (status === 403 && code === 'ACCOUNT_UNAVAILABLE' && where.accountNumber !== undefined) {
    return ConnectorErrors.missingAccount({ bankAccountId: where.accountNumber, message: label });
  }
  if (status === 501) return ConnectorErrors.unsupported({ message: label });
  // Everything else (SCA_REQUIRED, HISTORY_LIMIT_EXCEEDED, PRIVILEGE_NOT_GRANTED, 400s…) is the
  // bank's own answer about this account: kept with its body for the account's syncError.
  return ConnectorErrors.bankResponse({ status, content: content(answer, where.secrets), message: label });
}

/** What a refused `token` call means (authorization code or refresh token). */
export function tokenError(answer: BankAnswer, grantType: 'authorization_code' | 'refresh_token'): ConnectorError {
  const { status } = answer;
  const code = errorCode(answer);
  const label = `token (${grantType}) answered ${status}${code !== undefined ? ` ${code}` : ''}`;
  if (isSignatureProblem(status, code)) return ConnectorErrors.signature({ message: `${label}: the bank refused the request signature` });
  const gone = consentGone(answer, code, label, []);
  if (gone !== undefined) return gone;
  // A refresh token the bank no longer honours (OAuth invalid_grant): the consent's tokens are
  // gone, the user must authorise again (a consent outcome, with the bank's answer).
  if (grantType === 'refresh_token' && code === 'INVALID_GRANT') return ConnectorErrors.consentExpired({ message: label, httpStatus: status, content: content(answer, []) });
  // A spent, expired or unknown authorization code, or an unnamed refusal: authorise again.
  if (status === 401 || code === 'INVALID_GRANT' || code === 'TOKEN_INVALID' || code === 'TOKEN_EXPIRED') return ConnectorErrors.credentialsInvalid({ message: label });
  if (status === 501) return ConnectorErrors.unsupported({ message: label });
  return ConnectorErrors.permanent({ code: code ?? 'bank_status', httpStatus: status, message: label });
}

/** What a refused `authorize` or `deleteConsent` call means (no token involved). */
export function consentCallError(answer: BankAnswer, operation: 'authorize' | 'deleteConsent'): ConnectorError {
  const { status } = answer;
  const code = errorCode(answer);
  const label = `${operation} answered ${status}${code !== undefined ? ` ${code}` : ''}`;
  if (isSignatureProblem(status, code)) return ConnectorErrors.signature({ message: `${label}: the bank refused the request signature` });
  if (status === 501) return ConnectorErrors.unsupported({ message: label });
  if (operation === 'deleteConsent') return ConnectorErrors.bankResponse({ status, content: content(answer, []), message: label });
  return ConnectorErrors.permanent({ code: code ?? 'bank_status', httpStatus: status, message: label });
}

/** The OAuth error of the redirect back (`?error=…`) as a typed error. */
export function callbackError(error: string): ConnectorError {
  const message = `the bank redirected back with error=${error.slice(0, 64).replace(/[^\w.-]/g, '_')}`;
  switch (error) {
    case 'access_denied':
      // The user refused, cancelled, or failed to log in at the bank.
      return ConnectorErrors.credentialsInvalid({ message });
    case 'temporarily_unavailable':
      return ConnectorErrors.serviceUnavailable({ message });
    case 'server_error':
      return ConnectorErrors.temporary({ code: 'server_error', message });
    default:
      return ConnectorErrors.permanent({ code: 'oauth_error', message });
  }
}
