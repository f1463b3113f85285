/**
 * The authorization server of a PolishAPI bank: consents (scope, `scope_details`, expiry,
 * deletion), the PSU's authorization flow (login → strong authentication → approval), the
 * authorization codes and the access and refresh tokens.
 *
 * - A consent is created by POST /authorize with the TPP's own `consentId`, becomes valid
 *   when the PSU approves it, and stops working at its `scopeTimeLimit` or when deleted.
 * - An access token from the authorization-code grant carries the SCA the PSU just did
 *   (fresh for `scaFreshnessMinutes`); a refreshed one carries none. Fresh SCA lets a
 *   request reach back to the consent's `maxAllowedHistoryLong`, otherwise 90 days.
 * - Every token dies with its consent.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock';
import type { PolishApiBankSettings, PolishApiClientConfig } from './config';
import { PolishApiError } from './errors';
import { normalisePolishAccountNumber, type Iban } from './iban';
import type { PolishBankModel } from './model';

/** The AIS privileges of `scope_details.privilegeList`. */
export const AIS_PRIVILEGES = [
  'ais-accounts:getAccounts',
  'ais:getAccount',
  'ais:getHolds',
  'ais:getTransactionsDone',
  'ais:getTransactionsPending',
  'ais:getTransactionsRejected',
  'ais:getTransactionsCancelled',
  'ais:getTransactionsScheduled',
  'ais:getTransactionDetail',
] as const;

/** One AIS privilege name. */
export type AisPrivilege = (typeof AIS_PRIVILEGES)[number];

/** The privileges that carry `maxAllowedHistoryLong` (PrivilegeAisAspspIn/Out). */
export const HISTORY_PRIVILEGES: ReadonlySet<AisPrivilege> = new Set<AisPrivilege>([
  'ais:getHolds',
  'ais:getTransactionsDone',
  'ais:getTransactionsPending',
  'ais:getTransactionsRejected',
  'ais:getTransactionsCancelled',
  'ais:getTransactionsScheduled',
]);

/** One privilege as granted. */
export interface PrivilegeGrant {
  /** `single`: one use (a listing and its further pages); `multiple` (default): any number. */
  readonly scopeUsageLimit: 'single' | 'multiple';
  /** Days of history (1..1460), for the listing privileges. */
  readonly maxAllowedHistoryLong?: number;
}

/** Privileges by name. */
export type PrivilegeSet = Partial<Record<AisPrivilege, PrivilegeGrant>>;

/** One entry of the requested `privilegeList`. */
export interface RequestedPrivileges {
  /** The account it is for; null: every account the PSU selects. */
  readonly accountNumber: Iban | null;
  readonly privileges: PrivilegeSet;
}

/** Life cycle of a consent. `expired` is derived from the clock. */
export type ConsentStatus = 'received' | 'valid' | 'rejected' | 'expired' | 'deleted';

/** A consent as the bank holds it. */
export interface Consent {
  readonly consentId: string;
  readonly clientId: string;
  /** `ais` or `ais-accounts`. */
  readonly scope: 'ais' | 'ais-accounts';
  readonly requested: readonly RequestedPrivileges[];
  /** Instant (ms) the consent stops working. */
  scopeTimeLimit: number;
  status: 'received' | 'valid' | 'rejected' | 'deleted';
  readonly createdAt: number;
  /** The PSU who approved it. */
  login?: string;
  /** When the PSU authenticated strongly and approved. */
  approvedAt?: number;
  deletedAt?: number;
  /** Granted privileges per account. */
  readonly accounts: Map<Iban, PrivilegeSet>;
  /** The account-list privilege, when granted. */
  listAccounts?: PrivilegeGrant;
  /** Uses of single-use privileges: `account|privilege`. */
  readonly used: Set<string>;
}

/** What tests and the truth API see of a consent. */
export interface PolishApiConsentView {
  readonly consentId: string;
  readonly clientId: string;
  readonly scope: 'ais' | 'ais-accounts';
  readonly status: ConsentStatus;
  /** ISO 8601 instant. */
  readonly scopeTimeLimit: string;
  /** The approving PSU's login. */
  readonly login?: string;
  /** ISO 8601 instant of the PSU's strong authentication. */
  readonly approvedAt?: string;
  /** Granted accounts and their privileges. */
  readonly accounts: Readonly<Record<Iban, PrivilegeSet>>;
  /** Whether getAccounts is granted. */
  readonly listAccounts: boolean;
}

/** The PSU's authorization flow, from POST /authorize to the redirect back. */
export interface AuthorizationFlow {
  readonly flowId: string;
  readonly consentId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  stage: 'login' | 'sca' | 'consent';
  login?: string;
  readonly expiresAt: number;
}

/** Where the PSU's browser goes back to at the end of a flow. */
export interface ConsentRedirect {
  /** The full redirect URI with `code` and `state` (or `error` and `state`). */
  readonly location: string;
  /** The authorization code, when approved. */
  readonly code?: string;
  /** `access_denied` when the PSU rejected. */
  readonly error?: string;
  readonly state: string;
}

interface CodeGrant {
  readonly consentId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scaAt: number;
  readonly expiresAt: number;
}

/** An access token's facts. */
export interface AccessGrant {
  readonly consentKey: string;
  readonly clientId: string;
  readonly expiresAt: number;
  /** When the PSU authenticated strongly for this token; null for refreshed tokens. */
  readonly scaAt: number | null;
}

interface RefreshGrant {
  readonly consentKey: string;
  readonly clientId: string;
  readonly expiresAt: number | null;
  retired: boolean;
  /** The access token last issued with this refresh token (revoked by a refresh when `refreshRevokesAccessToken`). */
  accessToken: string;
}

/** A freshly issued token pair. */
export interface IssuedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  readonly consent: Consent;
}

/** The parsed body of POST /authorize. */
export interface AuthorizeInput {
  readonly client: PolishApiClientConfig;
  readonly redirectUri: string;
  readonly state: string;
  readonly scope: 'ais' | 'ais-accounts';
  readonly consentId: string;
  readonly scopeTimeLimit: number;
  readonly requested: readonly RequestedPrivileges[];
}

const token = (): string => randomBytes(24).toString('base64url');
const keyOf = (clientId: string, consentId: string): string => `${clientId}|${consentId}`;

/** Consents, flows, codes and tokens of one bank. */
export class AuthorizationServer {
  private readonly consents = new Map<string, Consent>();
  private readonly flows = new Map<string, AuthorizationFlow>();
  private readonly codes = new Map<string, CodeGrant>();
  private readonly access = new Map<string, AccessGrant>();
  private readonly refresh = new Map<string, RefreshGrant>();

  /** `settings()` gives the bank's current settings (lifetimes, SCA freshness). */
  constructor(
    private readonly model: PolishBankModel,
    private readonly clock: Clock,
    private readonly settings: () => PolishApiBankSettings,
  ) {}

  // --- authorize -------------------------------------------------------------------------

  /** Records a requested consent and opens the PSU's flow. */
  startAuthorization(input: AuthorizeInput): AuthorizationFlow {
    const now = this.now();
    const key = keyOf(input.client.clientId, input.consentId);
    if (this.consents.has(key)) throw new PolishApiError('CONSENT_ID_IN_USE', `consentId ${input.consentId} was already used by this client`);
    if (input.scopeTimeLimit <= now) throw new PolishApiError('INVALID_SCOPE_TIME_LIMIT', 'scope_details.scopeTimeLimit must be in the future');
    this.consents.set(key, {
      consentId: input.consentId,
      clientId: input.client.clientId,
      scope: input.scope,
      requested: input.requested,
      scopeTimeLimit: input.scopeTimeLimit,
      status: 'received',
      createdAt: now,
      accounts: new Map(),
      used: new Set(),
    });
    this.prune(now);
    const flow: AuthorizationFlow = {
      flowId: token(),
      consentId: input.consentId,
      clientId: input.client.clientId,
      redirectUri: input.redirectUri,
      state: input.state,
      stage: 'login',
      expiresAt: now + this.settings().tokenLifetimes.authorizationFlowSeconds * 1000,
    };
    this.flows.set(flow.flowId, flow);
    return flow;
  }

  /** A live flow, or undefined when unknown or expired. */
  flow(flowId: string): AuthorizationFlow | undefined {
    const flow = this.flows.get(flowId);
    if (!flow) return undefined;
    if (this.now() >= flow.expiresAt) {
      this.flows.delete(flowId);
      return undefined;
    }
    return flow;
  }

  /** The consent a flow is for. */
  consentOfFlow(flow: AuthorizationFlow): Consent {
    const consent = this.consents.get(keyOf(flow.clientId, flow.consentId));
    if (!consent) throw new Error('flow without consent');
    return consent;
  }

  /** The PSU approved: grants the consent for `login` and returns the redirect with a fresh code. */
  approve(flow: AuthorizationFlow, login: string, selected?: readonly string[]): ConsentRedirect {
    const now = this.now();
    const consent = this.consentOfFlow(flow);
    const own = this.model.accountsOf(login).map((a) => a.iban);
    let chosen = own;
    if (selected !== undefined) {
      const wanted = selected.map((s) => normalisePolishAccountNumber(s));
      for (const [i, w] of wanted.entries()) {
        if (w === null || !own.includes(w)) throw new Error(`account ${selected[i]} is not one of ${login}'s accounts`);
      }
      chosen = own.filter((a) => wanted.includes(a));
    }
    for (const entry of consent.requested) {
      const { 'ais-accounts:getAccounts': list, ...rest } = entry.privileges;
      if (list) consent.listAccounts = list;
      if (consent.scope !== 'ais' || Object.keys(rest).length === 0) continue;
      const targets = entry.accountNumber === null ? chosen : chosen.filter((a) => a === entry.accountNumber);
      for (const iban of targets) consent.accounts.set(iban, { ...consent.accounts.get(iban), ...rest });
    }
    consent.status = 'valid';
    consent.login = login;
    consent.approvedAt = now;
    // A persona's bank grants less time than asked (its scopeTimeLimit says so).
    const minutes = this.model.users.get(login)?.behaviour.consentMinutes;
    if (minutes !== undefined) consent.scopeTimeLimit = Math.min(consent.scopeTimeLimit, now + minutes * 60_000);
    this.flows.delete(flow.flowId);
    const code = token();
    this.codes.set(code, {
      consentId: consent.consentId,
      clientId: consent.clientId,
      redirectUri: flow.redirectUri,
      scaAt: now,
      expiresAt: now + this.settings().tokenLifetimes.authorizationCodeSeconds * 1000,
    });
    return { location: withQuery(flow.redirectUri, { code, state: flow.state }), code, state: flow.state };
  }

  /** The PSU rejected (or cancelled): the consent is rejected and the redirect carries `error=access_denied`. */
  reject(flow: AuthorizationFlow): ConsentRedirect {
    const consent = this.consentOfFlow(flow);
    consent.status = 'rejected';
    this.flows.delete(flow.flowId);
    return { location: withQuery(flow.redirectUri, { error: 'access_denied', state: flow.state }), error: 'access_denied', state: flow.state };
  }

  // --- token -----------------------------------------------------------------------------

  /** grant_type=authorization_code. */
  exchangeCode(client: PolishApiClientConfig, code: string, redirectUri: string): IssuedTokens {
    const now = this.now();
    const grant = this.codes.get(code);
    // A code is single use: any attempt consumes it (RFC 6749 §4.1.2).
    this.codes.delete(code);
    if (!grant || now >= grant.expiresAt || grant.clientId !== client.clientId) throw new PolishApiError('INVALID_GRANT', 'the authorization code is invalid, expired or already used');
    if (grant.redirectUri !== redirectUri) throw new PolishApiError('INVALID_GRANT', 'redirect_uri differs from the one given to /authorize');
    const consent = this.live(keyOf(grant.clientId, grant.consentId));
    return this.issue(consent, grant.scaAt, now);
  }

  /** grant_type=refresh_token: a new access token without SCA (and, with rotation, a new refresh token). */
  refreshTokens(client: PolishApiClientConfig, refreshToken: string): IssuedTokens {
    const now = this.now();
    const grant = this.refresh.get(refreshToken);
    if (!grant || grant.retired || grant.clientId !== client.clientId || (grant.expiresAt !== null && now >= grant.expiresAt)) {
      throw new PolishApiError('INVALID_GRANT', 'the refresh token is invalid, expired or already used');
    }
    const consent = this.live(grant.consentKey);
    if (this.settings().refreshRevokesAccessToken) this.access.delete(grant.accessToken);
    if (!this.settings().refreshTokenRotation) {
      const accessToken = token();
      const seconds = this.accessSeconds(consent, now);
      this.access.set(accessToken, { consentKey: grant.consentKey, clientId: client.clientId, expiresAt: now + seconds * 1000, scaAt: null });
      grant.accessToken = accessToken;
      return { accessToken, refreshToken, expiresIn: seconds, consent };
    }
    grant.retired = true;
    return this.issue(consent, null, now);
  }

  /** The access token's grant and consent; throws the 401 the spec's AIS operations answer. */
  checkAccess(accessToken: string | undefined, clientId: string): { readonly grant: AccessGrant; readonly consent: Consent } {
    const grant = accessToken === undefined ? undefined : this.access.get(accessToken);
    if (!grant || grant.clientId !== clientId) throw new PolishApiError('TOKEN_INVALID', 'the access token is missing, unknown or revoked');
    const consent = this.live(grant.consentKey);
    if (this.now() >= grant.expiresAt) throw new PolishApiError('TOKEN_EXPIRED', 'the access token has expired; use the refresh token');
    return { grant, consent };
  }

  /** Whether the token carries SCA fresh enough for the full history. */
  scaFresh(grant: AccessGrant): boolean {
    return grant.scaAt !== null && this.now() - grant.scaAt <= this.settings().scaFreshnessMinutes * 60_000;
  }

  // --- consents --------------------------------------------------------------------------

  /** deleteConsent: the consent and all its tokens stop working. Idempotent. */
  deleteConsent(clientId: string, consentId: string): void {
    const consent = this.consents.get(keyOf(clientId, consentId));
    if (!consent) throw new PolishApiError('VALIDATION_ERROR', `consentId ${consentId} is not a consent of this client`);
    if (consent.status !== 'deleted') {
      consent.status = 'deleted';
      consent.deletedAt = this.now();
    }
  }

  /** Ends a consent now, as if its scopeTimeLimit had come (a test hook). */
  expireConsent(clientId: string, consentId: string): void {
    const consent = this.consents.get(keyOf(clientId, consentId));
    if (!consent) throw new Error(`no consent ${consentId} of client ${clientId}`);
    consent.scopeTimeLimit = Math.min(consent.scopeTimeLimit, this.now());
  }

  /** Records a use of a single-use privilege; throws when it was used before. */
  use(consent: Consent, account: string, privilege: AisPrivilege, grant: PrivilegeGrant): void {
    if (grant.scopeUsageLimit !== 'single') return;
    const key = `${account}|${privilege}`;
    if (consent.used.has(key)) throw new PolishApiError('USAGE_LIMIT_EXCEEDED', `${privilege} was granted for a single use, already made`);
    consent.used.add(key);
  }

  /** Invalidates every access and refresh token (the bank forces re-authentication). */
  revokeAllTokens(): void {
    this.access.clear();
    this.refresh.clear();
  }

  /** Every consent, as views. */
  views(): PolishApiConsentView[] {
    return [...this.consents.values()].map((c) => this.view(c));
  }

  /** The status of a consent now. */
  statusOf(consent: Consent): ConsentStatus {
    // A persona's bank ends the consent early, unannounced: once that time has come, the
    // consent's end is then (as expireConsent does); until then scopeTimeLimit is as granted.
    const endsAfter = consent.login === undefined ? undefined : this.model.users.get(consent.login)?.behaviour.bankEndsConsentAfterMinutes;
    if (consent.status === 'valid' && endsAfter !== undefined && consent.approvedAt !== undefined && this.now() >= consent.approvedAt + endsAfter * 60_000) {
      consent.scopeTimeLimit = Math.min(consent.scopeTimeLimit, consent.approvedAt + endsAfter * 60_000);
    }
    if (consent.status === 'valid' && this.now() >= consent.scopeTimeLimit) return 'expired';
    return consent.status;
  }

  /** A consent as a view. */
  view(c: Consent): PolishApiConsentView {
    return {
      consentId: c.consentId,
      clientId: c.clientId,
      scope: c.scope,
      status: this.statusOf(c),
      scopeTimeLimit: new Date(c.scopeTimeLimit).toISOString(),
      ...(c.login !== undefined ? { login: c.login } : {}),
      ...(c.approvedAt !== undefined ? { approvedAt: new Date(c.approvedAt).toISOString() } : {}),
      accounts: Object.fromEntries(c.accounts),
      listAccounts: c.listAccounts !== undefined,
    };
  }

  // --- helpers ---------------------------------------------------------------------------

  /** A consent that is valid now; throws CONSENT_EXPIRED / CONSENT_REVOKED otherwise. */
  private live(key: string): Consent {
    const consent = this.consents.get(key);
    if (!consent) throw new PolishApiError('TOKEN_INVALID', 'no consent behind this token');
    const status = this.statusOf(consent);
    if (status === 'expired') throw new PolishApiError('CONSENT_EXPIRED', `consent ${consent.consentId} expired at ${new Date(consent.scopeTimeLimit).toISOString()}`);
    if (status !== 'valid') throw new PolishApiError('CONSENT_REVOKED', `consent ${consent.consentId} is ${status}`);
    return consent;
  }

  private issue(consent: Consent, scaAt: number | null, now: number): IssuedTokens {
    const key = keyOf(consent.clientId, consent.consentId);
    const accessToken = token();
    const refreshToken = token();
    const seconds = this.accessSeconds(consent, now);
    this.access.set(accessToken, { consentKey: key, clientId: consent.clientId, expiresAt: now + seconds * 1000, scaAt });
    const refreshSeconds = this.settings().tokenLifetimes.refreshTokenSeconds;
    this.refresh.set(refreshToken, { consentKey: key, clientId: consent.clientId, expiresAt: refreshSeconds === null ? null : now + refreshSeconds * 1000, retired: false, accessToken });
    return { accessToken, refreshToken, expiresIn: seconds, consent };
  }

  /** The access token lifetime, never past the consent's end. */
  private accessSeconds(consent: Consent, now: number): number {
    const configured = this.settings().tokenLifetimes.accessTokenSeconds;
    return Math.max(1, Math.min(configured, Math.floor((consent.scopeTimeLimit - now) / 1000)));
  }

  private prune(now: number): void {
    for (const [id, flow] of this.flows) if (now >= flow.expiresAt) this.flows.delete(id);
    for (const [code, grant] of this.codes) if (now >= grant.expiresAt) this.codes.delete(code);
  }

  private now(): number {
    return this.clock().getTime();
  }
}

/** Adds query parameters to a URI, keeping its existing query as it was. */
export function withQuery(uri: string, params: Readonly<Record<string, string>>): string {
  const query = new URLSearchParams(params).toString();
  const sep = !uri.includes('?') ? '?' : uri.endsWith('?') || uri.endsWith('&') ? '' : '&';
  return `${uri}${sep}${query}`;
}
