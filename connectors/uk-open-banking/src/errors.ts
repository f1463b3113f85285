/**
 * The bank's refusals as the SDK's typed errors — the one mapping of this connector. Open
 * Banking answers OBErrorResponse1 (`{ Id, Code, Message, Errors: [{ ErrorCode, Message, Path }] }`);
 * 429 and the retryable 5xx never get here (the SDK's HTTP client turns them into
 * `RateLimited`, `ServiceUnavailable` or `TemporaryError`, honouring Retry-After).
 */
import { ConnectorErrors, bankContent, type ConnectorError, type HttpResponse } from '@kinko/connector-sdk';
import { ObErrorBody } from './schemas';

/** The consent statuses of Read/Write 4.0 (`Data.Status`): AwaitingAuthorisation, Authorised, Rejected, Expired, Cancelled (revoked). */
export type ConsentStatus = 'AWAU' | 'AUTH' | 'RJCT' | 'EXPD' | 'CANC';

/**
 * A consent status as the seed's consent outcomes: AUTH allows access (undefined); EXPD →
 * EXPIRED (`ConsentExpired`); CANC (revoked by the user at the bank, or deleted by a TPP call)
 * → DEAUTHORIZED (`ConsentRevoked`); RJCT (the user refused it) and AWAU (never authorised)
 * → `CredentialsInvalid` (authorise again). Any other value is the bank's mistake.
 */
export function consentStatusError(status: string, label: string): ConnectorError | undefined {
  switch (status) {
    case 'AUTH':
      return undefined;
    case 'EXPD':
      return ConnectorErrors.consentExpired({ message: `${label}: consent status EXPD` });
    case 'CANC':
      return ConnectorErrors.consentRevoked({ message: `${label}: consent status CANC` });
    case 'RJCT':
    case 'AWAU':
      return ConnectorErrors.credentialsInvalid({ message: `${label}: consent status ${status}` });
    default:
      return ConnectorErrors.permanent({ code: 'unexpected_body', message: `${label}: unknown consent status "${status.slice(0, 8)}"` });
  }
}

/** The ErrorCode (4 characters) the bank gives for a resource (an AccountId) it does not know. */
export const RESOURCE_NOT_FOUND = 'U003';

/** What an OBErrorResponse1 says, for messages: its Id and ErrorCodes (never its free text, which may quote the request). */
export function obErrorSummary(res: HttpResponse): { readonly id?: string; readonly codes: readonly string[] } {
  const body = res.json(ObErrorBody);
  if (!body.ok) return { codes: [] };
  const codes = (body.value.Errors ?? []).map((e) => e.ErrorCode).filter((c): c is string => typeof c === 'string' && /^[A-Za-z0-9.]{1,40}$/.test(c));
  return { ...(body.value.Id !== undefined && /^[\w-]{1,40}$/.test(body.value.Id) ? { id: body.value.Id } : {}), codes };
}

/**
 * What a refused AIS call means. A 401 or 403 says only that access no longer works:
 * `consentStatus` (the consent's status, read by the caller) decides which outcome it is.
 */
export function aisError(
  res: HttpResponse,
  where: { readonly operation: string; readonly interactionId: string; readonly bankAccountId?: string; readonly consentStatus?: string; readonly secrets: readonly string[] },
): ConnectorError {
  const { id, codes } = obErrorSummary(res);
  const label = `${where.operation} answered ${res.status}${codes.length > 0 ? ` ${codes.join(',')}` : ''} (x-fapi-interaction-id ${where.interactionId}${id !== undefined ? `, error Id ${id}` : ''})`;
  if (res.status === 401 || res.status === 403) {
    const ended = where.consentStatus === undefined ? undefined : consentStatusError(where.consentStatus, label);
    if (ended !== undefined) return ended;
    // 401 with an authorised consent: the access token no longer works (the app refreshes).
    if (res.status === 401) return ConnectorErrors.credentialsInvalid({ message: label });
  }
  if (where.bankAccountId !== undefined && (res.status === 404 || (res.status === 400 && codes.includes(RESOURCE_NOT_FOUND)))) {
    return ConnectorErrors.missingAccount({ bankAccountId: where.bankAccountId, message: label });
  }
  // Any other refusal (a 400 about the request, a 403 with the consent still authorised: the bank
  // will not show this account) is the bank's answer for this call: the account's aspspResponse.
  return ConnectorErrors.bankResponse({ status: res.status, content: bankContent(res.body, where.secrets), message: label });
}
