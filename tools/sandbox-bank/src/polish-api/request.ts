/**
 * What goes in and out of a PolishAPI operation, and the checks every request body gets:
 * `requestHeader`, typed fields, `scope_details.privilegeList`, and the non-secret
 * parameters the request log keeps.
 */
import { isIsoDate, type IsoDate } from '../calendar';
import { AIS_PRIVILEGES, HISTORY_PRIVILEGES, type AisPrivilege, type PrivilegeSet, type RequestedPrivileges } from './consents';
import { PolishApiError } from './errors';
import { normalisePolishAccountNumber, type Iban } from './iban';
import { parseAmount, type Json } from './render';

/** A UUID (X-REQUEST-ID, requestHeader.requestId). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The request parts an operation looks at. */
export interface PolishApiRequest {
  /** Request headers (lower-case names). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body exactly as received (what X-JWS-SIGNATURE signs). */
  readonly rawBody: string;
  /** The parsed body. */
  readonly body: unknown;
}

/** What an operation answers. */
export type PolishApiResult =
  | {
      readonly kind: 'json';
      readonly status: number;
      readonly body: Json;
      readonly headers?: Readonly<Record<string, string>>;
      /** Ledger transactions generated to answer (logged). */
      readonly generated?: number;
    }
  | { readonly kind: 'empty'; readonly status: number }
  | { readonly kind: 'html'; readonly status: number; readonly html: string }
  | { readonly kind: 'redirect'; readonly location: string };

/** Filter and paging parameters of a request, as sent (what the request log shows). */
export interface PolishApiRequestParams {
  readonly accountNumber?: string;
  readonly itemId?: string;
  readonly itemIdFrom?: string;
  readonly transactionDateFrom?: string;
  readonly transactionDateTo?: string;
  readonly bookingDateFrom?: string;
  readonly bookingDateTo?: string;
  readonly minAmount?: string;
  readonly maxAmount?: string;
  readonly type?: string;
  readonly pageId?: string;
  readonly perPage?: number;
  readonly typeOfPsuRelation?: string;
  readonly consentId?: string;
  readonly scope?: string;
  readonly grant_type?: string;
  readonly isDirectPsu?: boolean;
}

/** The body fields the request log keeps (never tokens, codes or keys). */
export const PARAM_NAMES = [
  'accountNumber', 'itemId', 'itemIdFrom', 'transactionDateFrom', 'transactionDateTo', 'bookingDateFrom', 'bookingDateTo',
  'minAmount', 'maxAmount', 'type', 'pageId', 'typeOfPsuRelation', 'scope', 'grant_type',
] as const;

/** The non-secret parameters of a request body, for the request log (never tokens or codes). */
export function requestParams(body: unknown): PolishApiRequestParams | undefined {
  if (!isRecord(body)) return undefined;
  const out: Record<string, unknown> = {};
  for (const name of PARAM_NAMES) if (typeof body[name] === 'string') out[name] = body[name];
  if (typeof body['perPage'] === 'number') out['perPage'] = body['perPage'];
  const details = body['scope_details'];
  if (typeof body['consentId'] === 'string') out['consentId'] = body['consentId'];
  else if (isRecord(details) && typeof details['consentId'] === 'string') out['consentId'] = details['consentId'];
  const header = body['requestHeader'];
  if (isRecord(header) && typeof header['isDirectPsu'] === 'boolean') out['isDirectPsu'] = header['isDirectPsu'];
  return Object.keys(out).length > 0 ? (out as PolishApiRequestParams) : undefined;
}


/** A JSON object (not an array, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A 400 VALIDATION_ERROR naming what is wrong. */
export function invalid(message: string): PolishApiError {
  return new PolishApiError('VALIDATION_ERROR', message);
}

/** A 200 JSON answer. */
export function ok(body: Json): PolishApiResult {
  return { kind: 'json', status: 200, body };
}

/** A request header's (first) value. */
export function header(req: PolishApiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** 406 unless the client accepts JSON in UTF-8. */
export function checkAccept(req: PolishApiRequest): void {
  const accept = header(req, 'accept');
  if (accept !== undefined && accept.trim() !== '' && !/(application\/json|application\/\*|\*\/\*)/i.test(accept)) {
    throw new PolishApiError('NOT_ACCEPTABLE', 'this API answers application/json only');
  }
  const charset = header(req, 'accept-charset');
  if (charset !== undefined && charset.trim() !== '' && !/(utf-8|\*)/i.test(charset)) throw new PolishApiError('NOT_ACCEPTABLE', 'this API answers in UTF-8 only');
}

/** The token of `Authorization: Bearer <token>`. */
export function bearerToken(value: string | undefined): string | undefined {
  const m = value === undefined ? null : /^Bearer\s+(\S+)$/i.exec(value.trim());
  return m ? (m[1] as string) : undefined;
}

/** A required non-empty string field. */
export function requiredString(body: Record<string, unknown>, name: string, label = name): string {
  const v = body[name];
  if (typeof v !== 'string' || v === '') throw invalid(`${label} is required and must be a non-empty string`);
  return v;
}

/** An optional string field. */
export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(`${name} must be a string`);
  return v;
}

/** An optional `YYYY-MM-DD` field. */
export function optionalDate(body: Record<string, unknown>, name: string): IsoDate | undefined {
  const v = optionalString(body, name);
  if (v !== undefined && !isIsoDate(v)) throw invalid(`${name} must be a date YYYY-MM-DD`);
  return v;
}

/** An optional decimal amount field, as minor units. */
export function optionalAmount(body: Record<string, unknown>, name: string): number | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  const minor = parseAmount(v);
  if (minor === null) throw invalid(`${name} must be a decimal string like "123.45"`);
  return minor;
}

/** Checks `requestHeader` (requestId equal to X-REQUEST-ID; token and ipAddress where required). */
export function requestHeader(body: Record<string, unknown>, requestId: string, options: { readonly required: boolean; readonly token: boolean }): { token?: string; isDirectPsu: boolean } {
  const h = body['requestHeader'];
  if (h === undefined) {
    if (options.required) throw invalid('requestHeader is required');
    return { isDirectPsu: false };
  }
  if (!isRecord(h)) throw invalid('requestHeader must be an object');
  if (h['requestId'] !== requestId) throw new PolishApiError('INVALID_REQUEST_ID', 'requestHeader.requestId must equal the X-REQUEST-ID header');
  if (h['sendDate'] !== undefined && (typeof h['sendDate'] !== 'string' || Number.isNaN(Date.parse(h['sendDate'])))) throw invalid('requestHeader.sendDate must be a date-time');
  if (h['isDirectPsu'] !== undefined && typeof h['isDirectPsu'] !== 'boolean') throw invalid('requestHeader.isDirectPsu must be a boolean');
  const isDirectPsu = h['isDirectPsu'] === true;
  if (isDirectPsu && (typeof h['ipAddress'] !== 'string' || h['ipAddress'] === '')) throw invalid('requestHeader.ipAddress is required when isDirectPsu is true');
  if (!options.token) return { isDirectPsu };
  const token = h['token'];
  if (typeof token !== 'string' || token === '') throw invalid('requestHeader.token is required');
  return { token, isDirectPsu };
}

/** Parses `scope_details.privilegeList` (AIS privileges only; PIS ones answer 501). */
export function parsePrivilegeList(value: unknown, scope: 'ais' | 'ais-accounts'): RequestedPrivileges[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('scope_details.privilegeList is required for a new consent');
  return value.map((entry, i): RequestedPrivileges => {
    const where = `scope_details.privilegeList[${i}]`;
    if (!isRecord(entry)) throw invalid(`${where} must be an object`);
    let accountNumber: Iban | null = null;
    const privileges: PrivilegeSet = {};
    for (const [name, v] of Object.entries(entry)) {
      if (name === 'accountNumber') {
        if (typeof v !== 'string' || v.length > 34) throw invalid(`${where}.accountNumber must be an account number`);
        accountNumber = normalisePolishAccountNumber(v);
        if (accountNumber === null) throw invalid(`${where}.accountNumber is not a Polish account number`);
        continue;
      }
      if (name.startsWith('pis:')) throw new PolishApiError('NOT_IMPLEMENTED', 'this sandbox offers AIS only');
      if (!(AIS_PRIVILEGES as readonly string[]).includes(name)) throw invalid(`${where}: unknown privilege ${name}`);
      const privilege = name as AisPrivilege;
      if (scope === 'ais-accounts' && privilege !== 'ais-accounts:getAccounts') throw invalid(`${where}: an ais-accounts consent carries only ais-accounts:getAccounts`);
      if (!isRecord(v)) throw invalid(`${where}.${name} must be an object`);
      const limit = v['scopeUsageLimit'] ?? 'multiple';
      if (limit !== 'single' && limit !== 'multiple') throw invalid(`${where}.${name}.scopeUsageLimit must be single or multiple`);
      if (HISTORY_PRIVILEGES.has(privilege)) {
        const days = v['maxAllowedHistoryLong'];
        if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 1460) throw invalid(`${where}.${name}.maxAllowedHistoryLong must be an integer in 1..1460`);
        privileges[privilege] = { scopeUsageLimit: limit, maxAllowedHistoryLong: days };
      } else {
        privileges[privilege] = { scopeUsageLimit: limit };
      }
    }
    return { accountNumber, privileges };
  });
}
