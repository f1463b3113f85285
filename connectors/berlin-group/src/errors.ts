/**
 * The bank's refusals as the SDK's typed errors — the one mapping of this connector. Berlin
 * Group answers `{ tppMessages: [{ category, code, text }] }`; 429 and the retryable 5xx never
 * get here (the SDK's HTTP client turns them into `RateLimited`, `ServiceUnavailable` or
 * `TemporaryError`, honouring Retry-After).
 */
import { ConnectorErrors, bankContent, type ConnectorError, type HttpResponse } from '@kinko/connector-sdk';

/** The consent statuses of NextGenPSD2 1.3.12 (`consentStatus`). */
export type ConsentStatus = 'received' | 'rejected' | 'valid' | 'revokedByPsu' | 'expired' | 'terminatedByTpp' | 'partiallyAuthorised';

/**
 * A consent status that ends access, as the seed's consent outcomes: `expired` → EXPIRED
 * (`ConsentExpired`); `revokedByPsu` (the user withdrew it at the bank) and `terminatedByTpp`
 * (ended by a TPP call: a disconnect, or another Kinko process) → DEAUTHORIZED
 * (`ConsentRevoked`); `rejected` (SCA failed or refused) → `CredentialsInvalid` (authorise
 * again). Undefined for a status that still allows access.
 */
export function consentStatusError(status: string, label: string): ConnectorError | undefined {
  switch (status) {
    case 'valid':
      return undefined;
    case 'expired':
      return ConnectorErrors.consentExpired({ message: `${label}: consent status expired` });
    case 'revokedByPsu':
    case 'terminatedByTpp':
      return ConnectorErrors.consentRevoked({ message: `${label}: consent status ${status}` });
    default:
      return ConnectorErrors.credentialsInvalid({ message: `${label}: consent status ${status}` });
  }
}

/** The first tppMessages code of an error answer, upper-cased. */
export function tppCode(res: HttpResponse): string | undefined {
  const body = res.json();
  if (!body.ok || typeof body.value !== 'object' || body.value === null) return undefined;
  const messages = (body.value as { tppMessages?: unknown }).tppMessages;
  const code = Array.isArray(messages) ? (messages[0] as { code?: unknown } | undefined)?.code : undefined;
  return typeof code === 'string' && code !== '' ? code.toUpperCase() : undefined;
}

/**
 * What a refused AIS call means. A 401 CONSENT_INVALID says only that the consent no longer
 * works: `status` (the consent's status, read by the caller) decides which outcome it is.
 */
export function aisError(res: HttpResponse, where: { readonly operation: string; readonly bankAccountId?: string; readonly consentStatus?: string; readonly secrets: readonly string[] }): ConnectorError {
  const code = tppCode(res);
  const label = `${where.operation} answered ${res.status}${code !== undefined ? ` ${code}` : ''}`;
  if (res.status === 401 || (res.status === 403 && code === 'CONSENT_UNKNOWN')) {
    if (code === 'CONSENT_EXPIRED') return ConnectorErrors.consentExpired({ message: label });
    if (code === 'CONSENT_UNKNOWN') return ConnectorErrors.consentRevoked({ message: label });
    if (code === 'CONSENT_INVALID' && where.consentStatus !== undefined) {
      return consentStatusError(where.consentStatus, label) ?? ConnectorErrors.credentialsInvalid({ message: label });
    }
    // TOKEN_INVALID, TOKEN_EXPIRED or an unnamed 401: the grant no longer works (the app refreshes).
    return ConnectorErrors.credentialsInvalid({ message: label });
  }
  if (res.status === 404 && code === 'RESOURCE_UNKNOWN' && where.bankAccountId !== undefined) {
    return ConnectorErrors.missingAccount({ bankAccountId: where.bankAccountId, message: label });
  }
  return ConnectorErrors.bankResponse({ status: res.status, content: bankContent(res.body, where.secrets), message: label });
}
