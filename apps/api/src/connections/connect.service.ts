import { createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type Clock,
  type ConnectorError,
  type ConnectorManifest,
  type Grant,
  type Granted,
  type Locale,
  type PsuContext,
  createPkcePair,
  createState,
} from '@kinko/connector-sdk';
import { type AggregationStatus, StatusEvent, parseAggregationStatus } from '@kinko/domain';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Redacted } from 'effect';
import { DataSource, IsNull, LessThan, MoreThan } from 'typeorm';
import { AuditLog } from '../audit/audit-log.service';
import { InjectClock } from '../common/clock';
import { BankCallError, ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError, ValidationFailedError } from '../common/errors';
import { InjectSettings } from '../config/config.module';
import type { Settings } from '../config/settings';
import { newConsentRow } from '../consents/consent-domain';
import { BankDirectory, type RegisteredBank } from '../connectors/bank-directory';
import { newId } from '../database/ids';
import { ScopedData, type UserScope } from '../database/scoped-data';
import { openSecret, openWithKey, sealSecret, sealWithKey } from '../secrets/envelope';
import { LinkPageSession } from '../link/link-page-session.entity';
import { isRegisteredReturnUrl, returnUrlWith } from '../tenants/link-settings';
import { Tenant } from '../tenants/tenant.entity';
import type { MasterKeyring } from '../secrets/master-keyring';
import { MASTER_KEYRING } from '../secrets/secrets.service';
import { ConnectorClients } from '../sync/connector-clients';
import { GrantVault } from '../sync/grant-vault';
import { applyConsentGranted } from '../sync/outcome-store';
import { decisionOf, refusalProblemOf } from '../sync/sync-failures';
import { SyncService } from '../sync/sync.service';
import { moveConnectionStatus, statusBeforeDeactivation } from './connection-status';
import { Connection } from './connection.entity';
import { ConnectFlow } from './connect-flow.entity';

/** Path of the OAuth callback (public): the bank sends the user back here. */
export const CONNECT_CALLBACK_PATH = '/api/v2/connect/callback';

/** The start URL of an API-started flow (public, single use): `…/flows/{connectFlowId}/browser?key=…`. */
export const connectBrowserPath = (connectFlowId: string): string => `/api/v2/connect/flows/${connectFlowId}/browser`;

/** How long a started connect flow may take before its callback is refused. */
export const CONNECT_FLOW_TTL_MS = 15 * 60_000;

/** How long a user's ended connect flows are kept (for support) before the next start removes them. */
export const CONNECT_FLOW_RETENTION_MS = 7 * 86_400_000;

/**
 * The status a new connection starts with. Connecting is the user's login at the bank: the
 * connection is logged in and its first sync (started at once) fetches the data. The sync
 * engine moves it on from here.
 */
export const NEW_CONNECTION_STATUS: AggregationStatus = 'running.auth';

/** The start of a redirect flow: where to send the user. */
export interface ConnectStart {
  readonly connectFlowId: string;
  /**
   * Where to send the user's browser. Started through the API: Kinko's single-use start URL
   * ({@link connectBrowserPath}), which binds the browser that opens it and sends it on to the
   * bank. Started from the Link pages: the bank's login page (carries our state and the PKCE
   * challenge, never the verifier); the caller sets {@link browserBinding} in that browser.
   */
  readonly redirectUrl: string;
  readonly expiresAt: Date;
  /** Link pages flows: the binding cookie's value for the browser that asked (never shown elsewhere). */
  readonly browserBinding: Redacted.Redacted<string> | undefined;
}

/** A browser bound to an API-started flow: set the binding cookie, then on to the bank. */
export interface BoundBrowser {
  readonly bankUrl: string;
  readonly binding: Redacted.Redacted<string>;
  readonly expiresAt: Date;
}

/** A completed connect flow. */
export interface ConnectResult {
  readonly connectFlowId: string;
  readonly connectionId: string;
  readonly consentId: string;
  readonly bankId: string;
  /** Whether an existing connection was re-authorised (reconnect) rather than a new one created. */
  readonly reconnected: boolean;
  /** The first sync (after SCA: the consent's whole history). */
  readonly sessionIds: readonly string[];
  /** Where the browser goes back to (the tenant's return URL with status, connectionId and state), when the flow was started with one. */
  readonly returnUrl: string | undefined;
  /** Whether the flow was started on the Link pages (its browser holds a Link session to go back to). */
  readonly fromLinkPages: boolean;
  /** The bank's name in each language (its connector's manifest). */
  readonly bankName: ConnectorManifest['displayName'];
}

/** The user declined at the bank, or the bank refused the login (the domain's `forbidden` decision of the connect phase). */
export class BankRefusedError extends ForbiddenError {}

/** The tenant's return URL for an API-started flow (`redirectUri`, one it registered exactly) and its `state`. */
export interface ConnectReturnTo {
  readonly redirectUri: string;
  readonly state: string | null;
}

/** Where the callback request arrived (to check it against the redirect URI given to the bank). */
export interface CallbackRequest {
  /** All query parameters of the callback, as received. */
  readonly query: Readonly<Record<string, string>>;
  /** `protocol://host[:port]` the request was addressed to. */
  readonly origin: string;
  /** The request path without the query. */
  readonly path: string;
  /** The flow binding cookie the request carried ({@link FLOW_BINDING_COOKIE}). */
  readonly binding: string | undefined;
  /** The user's browser as the callback saw it (IP, user agent), for banks whose standard needs it. */
  readonly psu?: PsuContext;
}

const sha256url = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64url');
const PKCE_PURPOSE = 'pkce-verifier';
/** The key an API-started flow's bank URL is sealed under: derived from the binding secret only its start URL carries. */
const bankUrlKey = (binding: string): Buffer => Buffer.from(hkdfSync('sha256', Buffer.from(binding, 'base64url'), Buffer.from('kinko'), Buffer.from('connect-flow-bank-url/v1'), 32));
const bankUrlAad = (connectFlowId: string): Buffer => Buffer.from(`kinko/connect-flow-bank-url/v1\0${connectFlowId}`);

/**
 * The redirect connect flow (OAuth 2.0 with PKCE S256): `begin` binds a fresh `state` and
 * PKCE pair to a connect flow row, and the flow to one browser (a cookie set where it starts:
 * the Link pages, or Kinko's single-use start URL for API flows); the bank sends the user
 * back to {@link CONNECT_CALLBACK_PATH}, where `complete` accepts the state once, before it
 * expires, at the exact redirect URI, exchanges the callback for a grant (stored only
 * encrypted), creates the connection and its consent, and starts the first sync with SCA
 * just performed.
 */
@Injectable()
export class ConnectService {
  private readonly logger = new Logger('Connect');

  constructor(
    private readonly data: ScopedData,
    private readonly dataSource: DataSource,
    private readonly banks: BankDirectory,
    private readonly clients: ConnectorClients,
    private readonly grants: GrantVault,
    private readonly sync: SyncService,
    private readonly audit: AuditLog,
    @Inject(MASTER_KEYRING) private readonly keyring: MasterKeyring,
    @InjectClock() private readonly clock: Clock,
    @InjectSettings() private readonly settings: Settings,
  ) {}

  /**
   * Starts connecting `bankId` (or re-authorising `reconnectConnectionId`, a connection of
   * the user at that bank). `origin` is this server's origin as the caller reached it, used
   * when KINKO_PUBLIC_URL is not set.
   */
  async begin(
    scope: UserScope,
    bankId: string,
    options: {
      readonly reconnectConnectionId?: string;
      readonly locale?: Locale;
      readonly origin: string;
      readonly pageSessionId?: string;
      readonly psu?: PsuContext;
      readonly returnTo?: ConnectReturnTo;
    },
  ): Promise<ConnectStart> {
    const bank = this.banks.require(bankId);
    if (bank.manifest.authFlow !== 'redirect') {
      throw new ConflictError('credentials-flow-bank', `${bankId} uses the credentials flow: connect it through the Link page.`);
    }
    if (options.reconnectConnectionId !== undefined) {
      const target = await this.data.forUser(Connection, scope).get({ id: options.reconnectConnectionId });
      if (target.bankId !== bankId) {
        throw new ValidationFailedError([{ field: 'connectionId', reason: `the connection is not at bank ${bankId}` }]);
      }
    }
    if (options.returnTo !== undefined) {
      // Exactly one of the tenant's registered return URLs (the Link entry's rule), checked before anything is stored.
      const tenant = await this.dataSource.getRepository(Tenant).findOne({ where: { id: scope.tenantId } });
      if (!tenant || !isRegisteredReturnUrl(tenant, options.returnTo.redirectUri)) {
        throw new ValidationFailedError([{ field: 'redirectUri', reason: 'is not one of the tenant\'s registered return URLs (PUT /api/v2/tenant/link-settings returnUrls)' }]);
      }
    }
    const now = this.clock.now();
    const id = newId(now.getTime());
    const state = createState();
    const pkce = createPkcePair();
    const origin = redirectOrigin(this.settings, options.origin);
    const redirectUri = `${origin}${CONNECT_CALLBACK_PATH}`;
    const start = await this.clients.call(bank.connectorId, { tenantId: scope.tenantId, connectFlowId: id, actor: `user:${scope.userId}` }, (client) =>
      client.auth.begin({
        redirectUri,
        state,
        codeChallenge: pkce.challenge,
        codeChallengeMethod: 'S256',
        ...(options.locale ? { locale: options.locale } : {}),
        ...(options.psu ? { psu: options.psu } : {}),
      }),
    );
    if (!start.ok) throw bankError('The bank login could not be started', start.error);
    if (start.value.type !== 'redirect') throw new ConflictError('credentials-flow-bank', `${bankId} asks for credentials: connect it through the Link page.`);

    // The connector's flow state (contract v2) is sealed with the verifier, in the same envelope
    // bound to this flow: only this flow's callback opens it, and it is wiped with the verifier.
    const sealed = sealSecret(this.keyring, sealedFlowSecrets(Redacted.value(pkce.verifier), start.value.flowState), { tenantId: scope.tenantId, connectionId: id, purpose: PKCE_PURPOSE });
    const expiresAt = new Date(now.getTime() + CONNECT_FLOW_TTL_MS);
    // The browser binding: the Link pages set it at once in the browser that asked; an API
    // flow's start URL carries it, and the browser that opens that URL (once) receives it.
    const binding = randomBytes(32).toString('base64url');
    const fromPage = options.pageSessionId !== undefined;
    // The user's flows that ended long ago are of no use any more (the audit log keeps what happened).
    await this.data.forUser(ConnectFlow, scope).delete({ expiresAt: LessThan(new Date(now.getTime() - CONNECT_FLOW_RETENTION_MS)) });
    await this.data.forUser(ConnectFlow, scope).insert({
      id,
      bankId,
      connectorId: bank.connectorId,
      stateHash: sha256url(state),
      redirectUri,
      reconnectConnectionId: options.reconnectConnectionId ?? null,
      verifierMasterKeyId: sealed.masterKeyId,
      verifierWrappedDataKey: sealed.wrappedDataKey,
      verifierNonce: sealed.nonce,
      verifierCiphertext: sealed.ciphertext,
      verifierAuthTag: sealed.authTag,
      status: 'pending',
      expiresAt,
      usedAt: null,
      connectionId: null,
      error: null,
      bindingHash: sha256url(binding),
      browserBoundAt: fromPage ? now : null,
      bankUrlSealed: fromPage ? null : sealWithKey(bankUrlKey(binding), Buffer.from(start.value.url, 'utf8'), bankUrlAad(id)),
      pageSessionId: options.pageSessionId ?? null,
      returnUri: options.returnTo?.redirectUri ?? null,
      returnState: options.returnTo !== undefined ? options.returnTo.state : null,
      createdAt: now,
    });
    if (fromPage) return { connectFlowId: id, redirectUrl: start.value.url, expiresAt, browserBinding: Redacted.make(binding) };
    return { connectFlowId: id, redirectUrl: `${origin}${connectBrowserPath(id)}?key=${binding}`, expiresAt, browserBinding: undefined };
  }

  /**
   * The start URL of an API-started flow, opened by a browser: once, before the flow
   * expires, with the key it was given. Returns the bank's login URL and the binding for the
   * cookie; the flow's callback is then accepted only from this browser.
   */
  async bindBrowser(connectFlowId: string, key: string): Promise<BoundBrowser> {
    const now = this.clock.now();
    // Not scoped by tenant and user: the start URL is public, its key names the flow.
    const row = /^[0-9a-f-]{36}$/i.test(connectFlowId) ? await this.dataSource.getRepository(ConnectFlow).findOne({ where: { id: connectFlowId.toLowerCase() } }) : null;
    if (!row || row.bindingHash === null) throw new NotFoundError('Connect flow');
    // Opened before (its binding is now the cookie's own secret): says only that, and grants nothing.
    if (row.bankUrlSealed === null || row.browserBoundAt !== null) throw new ConflictError('connect-link-used', 'This connect link was already opened: start connecting again.');
    if (!sameText(row.bindingHash, sha256url(key))) throw new NotFoundError('Connect flow');
    const scope: UserScope = { tenantId: row.tenantId, userId: row.userId };
    // The cookie gets a secret of its own: the URL's key (which a log or a history may keep) is worth nothing once used.
    const cookieSecret = randomBytes(32).toString('base64url');
    const claimed = await this.data
      .forUser(ConnectFlow, scope)
      .update(
        { id: row.id, browserBoundAt: IsNull(), usedAt: IsNull(), status: 'pending', expiresAt: MoreThan(now) },
        { browserBoundAt: now, bankUrlSealed: null, bindingHash: sha256url(cookieSecret) },
      );
    if (claimed !== 1) throw new ConflictError('connect-link-used', 'This connect link was already opened, or has expired: start connecting again.');
    const bankUrl = openWithKey(bankUrlKey(key), row.bankUrlSealed, bankUrlAad(row.id)).toString('utf8');
    return { bankUrl, binding: Redacted.make(cookieSecret), expiresAt: row.expiresAt };
  }

  /**
   * The bank's callback. Refused unless `state` names a pending connect flow, not used
   * before (single use, claimed atomically), not expired, the request arrived at the
   * exact redirect URI that session gave the bank, and it comes from the browser bound to the
   * flow (its `kinko_flow` cookie; from the Link pages, while that Link pages session lasts) — a
   * callback from any other browser spends the flow (RFC 9700 §4.7). The session is consumed
   * even when the bank's answer then fails: a callback cannot be replayed.
   */
  async complete(request: CallbackRequest): Promise<ConnectResult> {
    const state = request.query.state;
    if (state === undefined || state === '') throw new ValidationFailedError([{ field: 'state', reason: 'state is required' }]);
    const row = await this.findByState(state);
    const now = this.clock.now();
    const scope: UserScope = { tenantId: row.tenantId, userId: row.userId };
    if (!this.arrivedAt(row.redirectUri, request)) {
      throw new ValidationFailedError([{ field: 'redirect_uri', reason: 'the callback did not arrive at the redirect URI this connect flow registered' }]);
    }
    if (!(await this.boundBrowser(row, request.binding, now))) {
      // Spent: the bank's answer reached a browser the flow was not started in (a login URL
      // passed on to someone else). Nobody can complete it any more.
      const spent = await this.data.forUser(ConnectFlow, scope).update({ id: row.id, usedAt: IsNull(), status: 'pending' }, { usedAt: now });
      if (spent === 1) await this.fail(scope, row.id, 'browser-mismatch', 'the bank sent back a browser the connect flow was not started in');
      throw new ForbiddenError('This connect flow was started in another browser (or its Link pages session has ended): start connecting again from this browser.');
    }
    // Claim it: one UPDATE that only a pending, unused, unexpired session passes.
    const claimed = await this.data.forUser(ConnectFlow, scope).update({ id: row.id, usedAt: IsNull(), status: 'pending', expiresAt: MoreThan(now) }, { usedAt: now });
    if (claimed !== 1) {
      if (row.usedAt !== null || row.status !== 'pending') throw new ConflictError('connect-flow-used', 'This connect flow was already completed or abandoned: start again.');
      await this.fail(scope, row.id, 'expired', 'the connect flow expired before the bank sent the user back');
      throw new ConflictError('connect-flow-expired', 'This connect flow has expired: start again.');
    }
    const { verifier, flowState } = this.openVerifier(scope, row);
    const bank = this.banks.get(row.bankId);
    if (!bank) {
      await this.fail(scope, row.id, 'unknown-bank', 'the bank is no longer offered');
      throw new NotFoundError('Bank');
    }
    const outcome = await this.clients.call(bank.connectorId, { tenantId: scope.tenantId, connectFlowId: row.id, actor: `user:${scope.userId}` }, (client) =>
      client.auth.complete({
        type: 'redirect',
        callbackParams: request.query,
        redirectUri: row.redirectUri,
        codeVerifier: verifier,
        ...(flowState ? { flowState } : {}),
        ...(request.psu ? { psu: request.psu } : {}),
      }),
    );
    if (!outcome.ok) {
      await this.fail(scope, row.id, outcome.error._tag, outcome.error.message);
      throw bankError('The bank did not grant access', outcome.error);
    }
    if (outcome.value.type !== 'granted') {
      await this.fail(scope, row.id, 'unexpected-challenge', 'the bank asked a question a redirect flow cannot relay');
      throw new ConflictError('credentials-flow-bank', 'The bank asked for more than a redirect flow can handle: connect through the Link page.');
    }
    const result = await this.connect(scope, row, bank, outcome.value, now, request.psu);
    await this.audit.record({
      tenantId: scope.tenantId,
      actor: `user:${scope.userId}`,
      action: result.reconnected ? 'connection.reconnect' : 'connection.create',
      target: `connection:${result.connectionId}`,
      details: { bankId: bank.bankId, connectFlowId: row.id, consentId: result.consentId },
    });
    return result;
  }

  /**
   * After a callback failed: where the browser bound to the flow goes back to, when the flow
   * was started with a return URL and has failed (denied at the bank, the bank's error,
   * expired). Undefined otherwise — a browser the flow was not started in learns nothing.
   */
  async failureReturn(request: Pick<CallbackRequest, 'query' | 'binding'>): Promise<string | undefined> {
    const state = request.query.state;
    if (state === undefined || state === '' || request.binding === undefined) return undefined;
    const row = await this.dataSource.getRepository(ConnectFlow).findOne({ where: { stateHash: sha256url(state) } });
    if (!row || row.returnUri === null || row.status !== 'failed' || row.bindingHash === null || !sameText(row.bindingHash, sha256url(request.binding))) return undefined;
    return returnUrlWith(row.returnUri, { status: 'failed', connectionId: row.reconnectConnectionId ?? undefined, state: row.returnState });
  }

  private async findByState(state: string): Promise<ConnectFlow> {
    // The state is found by its hash; the constant-time comparison guards the lookup's result.
    const hash = sha256url(state);
    // The one lookup not scoped by tenant and user: the public callback knows only the
    // state, an unguessable value that names exactly one connect flow.
    const row = await this.dataSource.getRepository(ConnectFlow).findOne({ where: { stateHash: hash } });
    if (!row || !sameText(row.stateHash, hash)) throw new NotFoundError('Connect flow');
    return row;
  }

  /** Whether the callback's browser holds the flow's binding (and, from the Link pages, its session is still alive). */
  private async boundBrowser(row: ConnectFlow, binding: string | undefined, now: Date): Promise<boolean> {
    if (row.bindingHash === null || row.browserBoundAt === null || binding === undefined) return false;
    if (!sameText(row.bindingHash, sha256url(binding))) return false;
    if (row.pageSessionId === null) return true;
    return this.dataSource.getRepository(LinkPageSession).exists({ where: { id: row.pageSessionId, tenantId: row.tenantId, userId: row.userId, expiresAt: MoreThan(now) } });
  }

  private arrivedAt(redirectUri: string, request: CallbackRequest): boolean {
    const expected = new URL(redirectUri);
    if (expected.pathname !== request.path) return false;
    // Behind a proxy (KINKO_PUBLIC_URL set) the request's own origin is the proxy's business.
    if (this.settings.publicUrl !== undefined) return true;
    try {
      // URL normalises both sides (case, default ports: `http://h:80` is `http://h`).
      return expected.origin === new URL(request.origin).origin;
    } catch {
      return false;
    }
  }

  private openVerifier(scope: UserScope, row: ConnectFlow): { verifier: Redacted.Redacted<string>; flowState?: Redacted.Redacted<string> } {
    if (!row.verifierMasterKeyId || !row.verifierWrappedDataKey || !row.verifierNonce || !row.verifierCiphertext || !row.verifierAuthTag) {
      throw new ConflictError('connect-flow-used', 'This connect flow was already completed or abandoned: start again.');
    }
    const plain = openSecret(
      this.keyring,
      { masterKeyId: row.verifierMasterKeyId, wrappedDataKey: row.verifierWrappedDataKey, nonce: row.verifierNonce, ciphertext: row.verifierCiphertext, authTag: row.verifierAuthTag },
      { tenantId: scope.tenantId, connectionId: row.id, purpose: PKCE_PURPOSE },
    );
    const text = plain.toString('utf8');
    plain.fill(0);
    // `verifier` alone, or `verifier NUL flowState` (the verifier is base64url: never a NUL).
    const cut = text.indexOf('\0');
    const verifier = Redacted.make(cut < 0 ? text : text.slice(0, cut), { label: 'PKCE verifier' });
    return cut < 0 ? { verifier } : { verifier, flowState: Redacted.make(text.slice(cut + 1), { label: 'connector flow state' }) };
  }

  private async fail(scope: UserScope, id: string, code: string, message: string): Promise<void> {
    await this.data.forUser(ConnectFlow, scope).update({ id }, { status: 'failed', error: { code, message }, ...wipedVerifier });
  }

  private async connect(scope: UserScope, row: ConnectFlow, bank: RegisteredBank, granted: Granted<Grant>, now: Date, psu?: PsuContext): Promise<ConnectResult> {
    const consentId = newId(now.getTime());
    const reconnecting = row.reconnectConnectionId !== null ? await this.data.forUser(Connection, scope).findOne({ id: row.reconnectConnectionId }) : null;
    const connectionId = reconnecting?.id ?? newId(now.getTime());

    await this.data.transaction(async (tx) => {
      if (reconnecting) {
        if (reconnecting.aggregationStatus === 'inactive') {
          // Reactivation through the domain, under the row lock, from the status the row has now
          // (a concurrent reactivation wins: this one is then refused and writes nothing). No
          // settled status recorded to return to: it needed authorising, which this flow just did;
          // the sync that follows moves it on.
          const before = await statusBeforeDeactivation(tx, scope, reconnecting.id);
          await moveConnectionStatus(tx, scope, reconnecting, StatusEvent.reactivated(parseAggregationStatus(before ?? 'auth.creds.invalid')), now, { deactivated: false });
        }
      }
      // The one store: a new connection with its first status, the new consent, and the
      // connection's accounts covered by it again (the domain's `granted`).
      const created = reconnecting ? undefined : { connectorId: bank.connectorId, bankId: bank.bankId, status: NEW_CONNECTION_STATUS, now };
      await applyConsentGranted(tx.manager, scope, connectionId, { ...newConsentRow(consentId, connectionId, bank, granted, now), id: consentId }, created);
      await tx.forUser(ConnectFlow, scope).updateOne({ id: row.id }, { status: 'completed', connectionId, ...wipedVerifier });
    });
    await this.grants.storeGranted(scope, connectionId, bank.connector, granted, { now, scaAt: now });

    let sessionIds: readonly string[] = [];
    try {
      sessionIds = (await this.sync.startSync(scope, { connectionIds: [connectionId] }, { requestedBy: 'user', scaJustPerformed: true, ...(psu ? { psu } : {}) })).sessionIds;
    } catch (e) {
      // The connection exists and holds its grant: a later sync request picks it up.
      this.logger.error(`connection ${connectionId}: the first sync could not be started (${e instanceof Error ? e.name : 'error'})`);
    }
    const returnUrl = row.returnUri === null ? undefined : returnUrlWith(row.returnUri, { status: 'connected', connectionId, state: row.returnState });
    return { connectFlowId: row.id, connectionId, consentId, bankId: bank.bankId, reconnected: reconnecting !== null, sessionIds, returnUrl, fromLinkPages: row.pageSessionId !== null, bankName: bank.manifest.displayName };
  }
}

/**
 * The origin of the redirect URI given to the bank: KINKO_PUBLIC_URL when set. Without it,
 * production refuses (the request's Host header is the client's to choose, and would send
 * the bank's answer — the authorisation code — wherever it names); development and tests
 * use the request's origin only when its host is a loopback address.
 */
export function redirectOrigin(settings: Pick<Settings, 'publicUrl' | 'mode'>, requestOrigin: string): string {
  if (settings.publicUrl !== undefined) return settings.publicUrl;
  if (settings.mode === 'production') {
    throw new ServiceUnavailableError('KINKO_PUBLIC_URL is not set: in production the bank redirect flow needs it (the public https:// URL of this server).');
  }
  let url: URL | undefined;
  try {
    url = new URL(requestOrigin);
  } catch {
    url = undefined;
  }
  if (!url || !isLoopbackHost(url.hostname)) {
    throw new ValidationFailedError([{ field: 'Host', reason: 'without KINKO_PUBLIC_URL only a loopback host (localhost, 127.0.0.1, [::1]) may start a bank redirect flow' }]);
  }
  return url.origin;
}

/** localhost, 127.0.0.0/8 or ::1 (as URL.hostname spells them). */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** The plaintext of a flow's envelope: the PKCE verifier, then the connector's flow state after a NUL when it returned one. */
function sealedFlowSecrets(verifier: string, flowState: string | undefined): Buffer {
  return Buffer.from(flowState === undefined ? verifier : `${verifier}\0${flowState}`, 'utf8');
}

const wipedVerifier = { verifierMasterKeyId: null, verifierWrappedDataKey: null, verifierNonce: null, verifierCiphertext: null, verifierAuthTag: null };

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A connector error at the HTTP edge, by the domain's one decision for the connect phase
 * (`refusalProblemOf`): the user declining or the bank refusing the login is `forbidden`;
 * the bank failing is `bank-error` (502). A callback that does not belong to this flow (the
 * connector found no or another `state`) is the request's fault, not the bank's: `validation`
 * (field state). Connector messages never carry secrets (SDK contract).
 */
function bankError(what: string, error: ConnectorError): Error {
  const message = `${what}: ${error.message}`;
  if (error._tag === 'PermanentError' && (error.code === 'state_missing' || error.code === 'state_mismatch')) return new ValidationFailedError([{ field: 'state', reason: error.message }]);
  return refusalProblemOf(decisionOf('connect', error)) === 'forbidden' ? new BankRefusedError(message) : new BankCallError(message, error._tag);
}
