import {
  type AuthStep,
  type Challenge,
  type ChallengeState,
  type Clock,
  type ConnectorError,
  type CredentialField,
  type Grant,
  type Granted,
  type Outcome,
  type PsuContext,
  createPkcePair,
  createState,
} from '@kinko/connector-sdk';
import {
  DecisionInput,
  StatusEvent,
  aggregationStatusGroup,
  decide,
  parseAggregationStatus,
} from '@kinko/domain';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Redacted, Result } from 'effect';
import { AuditLog } from '../audit/audit-log.service';
import { InjectClock } from '../common/clock';
import { ConflictError, LinkPageOnlyError, NotFoundError, ValidationFailedError } from '../common/errors';
import { InjectSettings } from '../config/config.module';
import type { Settings } from '../config/settings';
import { moveConnectionStatus } from '../connections/connection-status';
import { Connection } from '../connections/connection.entity';
import { BankDirectory, type RegisteredBank } from '../connectors/bank-directory';
import { newId } from '../database/ids';
import { ScopedData, type UserScope } from '../database/scoped-data';
import { ConnectionSecret } from '../secrets/connection-secret.entity';
import type { MasterKeyring } from '../secrets/master-keyring';
import { MASTER_KEYRING, SecretsService } from '../secrets/secrets.service';
import type { ChallengedSyncHandler } from '../sync/challenged-sync';
import { ConnectorClients } from '../sync/connector-clients';
import { createConnection } from '../sync/connection-status';
import { GrantVault } from '../sync/grant-vault';
import { SyncService } from '../sync/sync.service';
import { decisionOf } from '../sync/sync-failures';
import { AuthAttempt } from './auth-attempt.entity';
import { NO_PAYLOAD, UnreadableChallengeError, openChallengePayload, sealChallengePayload } from './challenge-payload';
import { bankPhaseRow, endAttempt, lockConnection, renewConsent, startRun } from './login-attempts';
import { type AnswerChannel, BANK_CALL_TIMEOUT_MS, type CredentialForm, type LoginResult, MAX_ANSWER_LENGTH, type PendingChallenge, pendingChallengeView } from './login-types';

export { BANK_CALL_TIMEOUT_MS, MAX_ANSWER_LENGTH, type AnswerChannel, type CredentialForm, type LoginOutcome, type LoginResult, type PendingChallenge } from './login-types';

/**
 * The credentials connect flow and its challenges. The user's credentials arrive in a
 * request body, are stored only encrypted (the connection's `credentials` secret, used to
 * log in again from the Link page) and are passed to the connector's `auth.complete`; the
 * bank answers with access (the grant, stored only encrypted; the first sync starts with
 * SCA just performed) or a challenge (the connection waits in
 * `suspended.missing-answer.auth.<kind>`, the challenge and the connector's state kept
 * encrypted until answered or timed out) or an error (the matching status). Answers are
 * passed to the bank and never stored or logged. Every status move is the domain's
 * (`nextAggregationStatus` via `moveConnectionStatus`), with its history row.
 */
@Injectable()
export class CredentialLoginService implements ChallengedSyncHandler, OnModuleDestroy {
  private readonly logger = new Logger('CredentialLogin');
  private readonly forms = new Map<string, readonly CredentialField[]>();
  /** Logins carried on after their request was answered (a new connection's): awaited at shutdown. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly data: ScopedData,
    private readonly banks: BankDirectory,
    private readonly clients: ConnectorClients,
    private readonly secrets: SecretsService,
    private readonly grants: GrantVault,
    private readonly sync: SyncService,
    private readonly audit: AuditLog,
    @Inject(MASTER_KEYRING) private readonly keyring: MasterKeyring,
    @InjectClock() private readonly clock: Clock,
    @InjectSettings() private readonly settings: Settings,
  ) {}

  /** How long a challenge waits for its answer (KINKO_CHALLENGE_TIMEOUT_SECONDS). */
  get challengeTimeoutMs(): number {
    return this.settings.challengeTimeoutSeconds * 1000;
  }

  /** A credentials-flow bank ({@link NotFoundError} when unknown, {@link ConflictError} for a redirect bank or one without configuration). */
  credentialBank(bankId: string): RegisteredBank {
    const bank = this.banks.require(bankId);
    if (bank.manifest.authFlow !== 'credentials') {
      throw new ConflictError('redirect-flow-bank', `${bankId} uses the redirect flow: connect it with POST /api/v2/connect/${bankId}.`);
    }
    if (!this.clients.has(bank.connectorId)) throw new ConflictError('connector-not-configured', `${bankId} is not configured in this deployment.`);
    return bank;
  }

  /** The fields the bank's login form asks for (the connector's `auth.begin`), labels in ja/en/pl. */
  async credentialForm(bankId: string): Promise<CredentialForm> {
    const bank = this.credentialBank(bankId);
    const cached = this.forms.get(bankId);
    if (cached) return { bankId, fields: cached };
    const pkce = createPkcePair();
    const start = await this.clients.client(bank.connectorId).auth.begin({ redirectUri: 'about:blank', state: createState(), codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    if (!start.ok) throw new ConflictError('login-form-unreadable', `${bankId}: the login form could not be read (${start.error._tag}).`);
    if (start.value.type !== 'form') throw new ConflictError('redirect-flow-bank', `${bankId} does not ask for credentials.`);
    this.forms.set(bankId, start.value.fields);
    return { bankId, fields: start.value.fields };
  }

  /**
   * Connects a credentials-flow bank: a new connection in `running.auth`, the credentials
   * stored encrypted, and the bank's login started. Answers at once (outcome `running`): a
   * slow bank (retries, a slow login page) holds no request. The login goes on and moves the
   * connection — on to the first sync, to `suspended.missing-answer.auth.<kind>` (a challenge
   * to answer), or to its auth or error status — which the client follows (GET the connection,
   * its challenge). A process that stops meanwhile leaves an attempt the challenge sweeper ends.
   */
  async connect(scope: UserScope, bankId: string, credentials: Readonly<Record<string, string>>, actor: string, psu?: PsuContext): Promise<LoginResult> {
    const bank = this.credentialBank(bankId);
    const values = await this.checkedCredentials(bankId, credentials);
    const now = this.clock.now();
    const connectionId = newId(now.getTime());
    await this.data.transaction(async (tx) => {
      // The one store: a brand-new connection with its first status (the login under way) and its history row.
      await createConnection(tx.manager, scope, { id: connectionId, connectorId: bank.connectorId, bankId: bank.bankId }, 'running.auth', now);
      await tx.forUser(AuthAttempt, scope).insert(bankPhaseRow(connectionId, bank.connectorId, now));
    });
    await this.secrets.store(scope, connectionId, 'credentials', Redacted.make(JSON.stringify(values)));
    await this.audit.record({ tenantId: scope.tenantId, actor, action: 'connection.create', target: `connection:${connectionId}`, details: { bankId, flow: 'credentials' } });
    this.carryOn(scope, connectionId, bank, values, psu);
    return { connectionId, bankId: bank.bankId, aggregationStatus: 'running.auth', outcome: { type: 'running' } };
  }

  /** Waits for the logins still under way (the app is stopping), before the connectors and the database go. */
  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** The login of a new connection, after its request was answered. Whatever fails is the connection's status, never an unhandled error. */
  private carryOn(scope: UserScope, connectionId: string, bank: RegisteredBank, values: Record<string, string>, psu: PsuContext | undefined): void {
    const run = (async () => {
      try {
        await this.login(scope, connectionId, bank, values, psu);
      } catch (e) {
        this.logger.error(`connection ${connectionId}: the login could not be completed (${e instanceof Error ? e.name : 'error'})`);
        try {
          await endAttempt(this.data, this.clock, scope, connectionId, StatusEvent.failed('error.temporary'));
        } catch {
          // The attempt's expiry lets the challenge sweeper end it.
        }
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /**
   * New credentials for an existing connection (they changed at the bank, or were wrong):
   * stored encrypted in place of the old ones, then a new login. The connection must be
   * settled (not running, not waiting, not inactive): the domain's refresh starts the run.
   */
  async reenterCredentials(scope: UserScope, connectionId: string, credentials: Readonly<Record<string, string>>, actor: string, psu?: PsuContext): Promise<LoginResult> {
    const connection = await this.data.forUser(Connection, scope).get({ id: connectionId });
    const bank = this.credentialBank(connection.bankId);
    const values = await this.checkedCredentials(bank.bankId, credentials);
    await startRun(this.data, scope, connectionId, bank.connectorId, this.clock.now());
    await this.secrets.store(scope, connectionId, 'credentials', Redacted.make(JSON.stringify(values)));
    await this.audit.record({ tenantId: scope.tenantId, actor, action: 'connection.credentials.replace', target: `connection:${connectionId}`, details: { bankId: bank.bankId } });
    return this.login(scope, connectionId, bank, values, psu);
  }

  /**
   * Logs in again with the stored credentials (after a wrong or late answer, a lock that
   * has passed, maintenance…): the way to a new challenge. Refused ({@link ConflictError})
   * when no credentials are stored (disconnected) or the connection is not settled.
   */
  async loginAgain(scope: UserScope, connectionId: string, actor: string, psu?: PsuContext): Promise<LoginResult> {
    const connection = await this.data.forUser(Connection, scope).get({ id: connectionId });
    const bank = this.credentialBank(connection.bankId);
    if (!(await this.secrets.has(scope, connectionId, 'credentials'))) throw new ConflictError('credentials-missing', 'No credentials are stored for this connection: enter them again.');
    await startRun(this.data, scope, connectionId, bank.connectorId, this.clock.now());
    return this.loginWithStoredCredentials(scope, connectionId, bank, actor, psu);
  }

  /**
   * Another question instead of the waiting one (the Link page's "Show a new image" on a
   * CAPTCHA): the waiting question is given up and the bank logged in again with the stored
   * details, the connection moving straight from waiting back to logging in (domain
   * `challengeRenewed`) in the same transaction that gives the question up — never through
   * `auth.creds.*.invalid`, which the user did not cause and which API clients and webhooks
   * would otherwise see in between. A question that has expired meanwhile times out as usual
   * (its invalid status) and a new login starts, as {@link loginAgain}.
   */
  async renewChallenge(scope: UserScope, connectionId: string, actor: string, psu?: PsuContext): Promise<LoginResult> {
    const connection = await this.data.forUser(Connection, scope).get({ id: connectionId });
    const bank = this.credentialBank(connection.bankId);
    if (!(await this.secrets.has(scope, connectionId, 'credentials'))) throw new ConflictError('credentials-missing', 'No credentials are stored for this connection: enter them again.');
    const now = this.clock.now();
    const renewed = await this.data.transaction(async (tx) => {
      const locked = await lockConnection(tx, scope, connectionId);
      const attempt = await tx.forUser(AuthAttempt, scope).findOne({ connectionId });
      if (!attempt || attempt.phase !== 'waiting' || attempt.expiresAt.getTime() <= now.getTime()) return false;
      if (Result.isFailure(await moveConnectionStatus(tx, scope, locked, StatusEvent.challengeRenewed(), now))) return false;
      await tx.forUser(AuthAttempt, scope).delete({ id: attempt.id });
      await tx.forUser(AuthAttempt, scope).insert(bankPhaseRow(connectionId, bank.connectorId, now));
      return true;
    });
    if (!renewed) {
      await this.abandon(scope, connectionId);
      return this.loginAgain(scope, connectionId, actor, psu);
    }
    return this.loginWithStoredCredentials(scope, connectionId, bank, actor, psu);
  }

  /** The login of a run already started (its auth attempt in the bank phase), with the stored credentials. */
  private async loginWithStoredCredentials(scope: UserScope, connectionId: string, bank: RegisteredBank, actor: string, psu: PsuContext | undefined): Promise<LoginResult> {
    let values: Record<string, string>;
    try {
      values = JSON.parse(Redacted.value(await this.secrets.reveal(scope, connectionId, 'credentials', { actor, reason: 'login-again' }))) as Record<string, string>;
    } catch (e) {
      await endAttempt(this.data, this.clock, scope, connectionId, StatusEvent.failed('error.temporary'));
      throw e;
    }
    return this.login(scope, connectionId, bank, values, psu);
  }

  /** The challenge waiting for the user's answer; {@link NotFoundError} (`Challenge`) when none is (or it has expired). */
  async pendingChallenge(scope: UserScope, connectionId: string): Promise<PendingChallenge> {
    await this.data.forUser(Connection, scope).get({ id: connectionId });
    const attempt = await this.data.forUser(AuthAttempt, scope).findOne({ connectionId });
    if (!attempt || attempt.phase !== 'waiting' || attempt.expiresAt.getTime() <= this.clock.now().getTime()) throw new NotFoundError('Challenge');
    try {
      return pendingChallengeView(attempt, openChallengePayload(this.keyring, attempt).challenge);
    } catch (e) {
      if (e instanceof UnreadableChallengeError) throw new NotFoundError('Challenge');
      throw e;
    }
  }

  /**
   * Passes the user's answer to the bank — never storing it — and returns the next step:
   * access (first sync started), another challenge, or a refusal (`auth.creds.<kind>.invalid`
   * for a wrong answer). `via: 'api'` refuses a puzzle ({@link LinkPageOnlyError}): only a
   * person on the Link page can solve one. An answer after the expiry is refused
   * ({@link ConflictError}) and the connection ends in the matching invalid status.
   */
  async answer(scope: UserScope, connectionId: string, answer: Redacted.Redacted<string>, via: AnswerChannel, psu?: PsuContext): Promise<LoginResult> {
    const text = Redacted.value(answer);
    if (text.trim() === '' || text.length > MAX_ANSWER_LENGTH) {
      throw new ValidationFailedError([{ field: 'answer', reason: `must be 1 to ${MAX_ANSWER_LENGTH} characters` }]);
    }
    const now = this.clock.now();
    const claimed = await this.data.transaction(async (tx) => {
      const connection = await lockConnection(tx, scope, connectionId);
      const attempt = await tx.forUser(AuthAttempt, scope).queryBuilder('a').andWhere('a.connection_id = :connectionId', { connectionId }).setLock('pessimistic_write').getOne();
      if (!attempt) throw new NotFoundError('Challenge');
      if (attempt.phase !== 'waiting') throw new ConflictError('answer-in-progress', 'An answer for this connection is already being passed to the bank.');
      if (attempt.expiresAt.getTime() <= now.getTime()) {
        await moveConnectionStatus(tx, scope, connection, decide(DecisionInput.challengeTimedOut()).event ?? StatusEvent.answerTimedOut(), now);
        await tx.forUser(AuthAttempt, scope).delete({ id: attempt.id });
        return { expired: true as const };
      }
      if (via === 'api' && attempt.challengeKind === 'puzzle') {
        throw new LinkPageOnlyError('A puzzle can only be solved on the Link page, not through the API.', `/link/connections/${connectionId}`);
      }
      // Disconnected while the question waited (the disconnect deleted every secret): nothing to answer for.
      if (!(await tx.forUser(ConnectionSecret, scope).exists({ connectionId, kind: 'credentials' }))) {
        await tx.forUser(AuthAttempt, scope).delete({ id: attempt.id });
        throw new ConflictError('connection-disconnected', 'This connection was disconnected: its challenge was dropped.');
      }
      let payload;
      try {
        payload = openChallengePayload(this.keyring, attempt);
      } catch (e) {
        if (!(e instanceof UnreadableChallengeError)) throw e;
        await moveConnectionStatus(tx, scope, connection, StatusEvent.failed('error.temporary'), now);
        await tx.forUser(AuthAttempt, scope).delete({ id: attempt.id });
        return { unreadable: true as const };
      }
      const moved = await moveConnectionStatus(tx, scope, connection, StatusEvent.answered(), now);
      if (Result.isFailure(moved)) throw new ConflictError('no-challenge-pending', `The connection does not wait for an answer: ${moved.failure.message}.`);
      await tx.forUser(AuthAttempt, scope).updateOne({ id: attempt.id }, { phase: 'bank', expiresAt: new Date(now.getTime() + BANK_CALL_TIMEOUT_MS), ...NO_PAYLOAD });
      return { attempt, payload, bankId: connection.bankId };
    });
    if ('expired' in claimed) throw new ConflictError('challenge-expired', 'The challenge has expired: log in again to get a new one.');
    if ('unreadable' in claimed) throw new ConflictError('challenge-unreadable', 'The challenge can no longer be read (the key it was stored under is gone): log in again.');
    const bank = this.banks.require(claimed.bankId);
    const connector = this.clients.connector(claimed.attempt.connectorId);
    const state = connector.deserializeChallengeState(Redacted.value(claimed.payload.state));
    if (!state.ok) return this.settle(scope, connectionId, bank, state, psu);
    const step = await this.clients.call(claimed.attempt.connectorId, { tenantId: scope.tenantId, connectionId, actor: 'system:link' }, (client) => client.auth.answerChallenge({ state: state.value, answer }));
    return this.settle(scope, connectionId, bank, step, psu);
  }

  /**
   * Gives up a waiting challenge as unanswered (domain `answerTimedOut`: the matching
   * `auth.creds.*.invalid`), e.g. before a disconnect. No-op when nothing waits.
   */
  async abandon(scope: UserScope, connectionId: string): Promise<void> {
    await this.data.transaction(async (tx) => {
      const connection = await lockConnection(tx, scope, connectionId);
      const attempt = await tx.forUser(AuthAttempt, scope).findOne({ connectionId });
      if (!attempt || attempt.phase !== 'waiting') return;
      await moveConnectionStatus(tx, scope, connection, decide(DecisionInput.challengeTimedOut()).event ?? StatusEvent.answerTimedOut(), this.clock.now());
      await tx.forUser(AuthAttempt, scope).delete({ id: attempt.id });
    });
  }

  /**
   * {@link ChallengedSyncHandler}: a sync's re-login at the bank was challenged and its
   * session has ended (the connection still `running.*`). Logs in again with the stored
   * credentials, as a new auth attempt: the bank's question then waits for the user like a
   * connect's (`suspended.*`, challenge API, Link page, timeout); access stores the grant and
   * starts a new sync; a refusal takes its status. Leaves the connection alone (true) when
   * another login holds it or its run has already ended; false when it has no stored
   * credentials (the caller settles the status).
   */
  async takeOverChallengedSync(scope: UserScope, connectionId: string): Promise<boolean> {
    const connection = await this.data.forUser(Connection, scope).get({ id: connectionId });
    const bank = this.banks.require(connection.bankId);
    if (bank.manifest.authFlow !== 'credentials' || !this.clients.has(bank.connectorId)) return false;
    if (!(await this.secrets.has(scope, connectionId, 'credentials'))) return false;
    const claimed = await this.data.transaction(async (tx) => {
      const locked = await lockConnection(tx, scope, connectionId);
      if (await tx.forUser(AuthAttempt, scope).exists({ connectionId })) return false;
      if (aggregationStatusGroup(parseAggregationStatus(locked.aggregationStatus)) !== 'running') return false;
      await tx.forUser(AuthAttempt, scope).insert(bankPhaseRow(connectionId, bank.connectorId, this.clock.now()));
      return true;
    });
    if (!claimed) return true;
    let values: Record<string, string>;
    try {
      values = JSON.parse(Redacted.value(await this.secrets.reveal(scope, connectionId, 'credentials', { actor: 'system:sync', reason: 'challenged-sync' }))) as Record<string, string>;
    } catch (e) {
      await endAttempt(this.data, this.clock, scope, connectionId, StatusEvent.failed('error.temporary'));
      throw e;
    }
    // The sync's re-login: no user is present until one answers the challenge (answer() then brings the PSU context).
    await this.login(scope, connectionId, bank, values, undefined);
    return true;
  }

  // ---------------------------------------------------------------------------------------

  private async checkedCredentials(bankId: string, credentials: Readonly<Record<string, string>>): Promise<Record<string, string>> {
    const form = await this.credentialForm(bankId);
    const names = new Set(form.fields.map((f) => f.name));
    const issues = Object.keys(credentials)
      .filter((k) => !names.has(k))
      .map((k) => ({ field: `credentials.${k}`, reason: `not a field of this bank's login form (fields: ${[...names].join(', ')})` }));
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(credentials)) {
      if (typeof v !== 'string') issues.push({ field: `credentials.${k}`, reason: 'must be a string' });
      else if (v.length > 512) issues.push({ field: `credentials.${k}`, reason: 'must be at most 512 characters' });
      else if (names.has(k) && v !== '') values[k] = v;
    }
    if (issues.length > 0) throw new ValidationFailedError(issues);
    if (Object.keys(values).length === 0) throw new ValidationFailedError([{ field: 'credentials', reason: 'fill in the login form' }]);
    return values;
  }

  /** A login at the bank; `psu`: the user present (their login, answer, re-entry), passed to the bank and to the first sync (never stored beyond its session). */
  private async login(scope: UserScope, connectionId: string, bank: RegisteredBank, values: Record<string, string>, psu: PsuContext | undefined): Promise<LoginResult> {
    const credentials = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Redacted.make(v)]));
    const step = await this.clients.call(bank.connectorId, { tenantId: scope.tenantId, connectionId, actor: 'system:link' }, (client) =>
      client.auth.complete({ type: 'credentials', credentials, ...(psu ? { psu } : {}) }),
    );
    return this.settle(scope, connectionId, bank, step, psu);
  }

  /** What the bank answered to a login or an answer: the connection moves accordingly. */
  private async settle(scope: UserScope, connectionId: string, bank: RegisteredBank, step: Outcome<AuthStep<Grant, ChallengeState>>, psu: PsuContext | undefined): Promise<LoginResult> {
    if (!step.ok) return this.refused(scope, connectionId, bank, step.error);
    if (step.value.type === 'challenge') return this.challenged(scope, connectionId, bank, step.value.challenge, step.value.state);
    return this.granted(scope, connectionId, bank, step.value, psu);
  }

  private async refused(scope: UserScope, connectionId: string, bank: RegisteredBank, error: ConnectorError): Promise<LoginResult> {
    // The domain's one decision for a refused login or answer (always a failure status here).
    const after = await endAttempt(this.data, this.clock, scope, connectionId, decisionOf('credentialLogin', error).event ?? StatusEvent.failed('error.temporary'));
    await this.audit.record({ tenantId: scope.tenantId, actor: 'system:link', action: 'connection.login', target: `connection:${connectionId}`, details: { bankId: bank.bankId, outcome: error._tag } });
    // The status and the connector's error tag, never the bank's message (it may quote what was typed).
    this.logger.warn({ msg: 'login failed', tenantId: scope.tenantId, connectionId, bankId: bank.bankId, connector: bank.connectorId, status: after, errorTag: error._tag });
    return { connectionId, bankId: bank.bankId, aggregationStatus: after, outcome: { type: 'failed', errorTag: error._tag, message: error.message } };
  }

  private async challenged(scope: UserScope, connectionId: string, bank: RegisteredBank, challenge: Challenge, state: ChallengeState): Promise<LoginResult> {
    const connector = this.clients.connector(bank.connectorId);
    const serialized = connector.serializeChallengeState(state);
    if (!serialized.ok) return this.refused(scope, connectionId, bank, serialized.error);
    const now = this.clock.now();
    const sealed = sealChallengePayload(this.keyring, { tenantId: scope.tenantId, connectionId }, { challenge, state: Redacted.make(serialized.value) });
    const attempt = await this.data.transaction(async (tx) => {
      const connection = await lockConnection(tx, scope, connectionId);
      const row = await tx.forUser(AuthAttempt, scope).findOne({ connectionId });
      if (!row) throw new ConflictError('login-abandoned', 'The login was abandoned while the bank answered.');
      const moved = await moveConnectionStatus(tx, scope, connection, StatusEvent.challengeRaised(challenge.kind), now);
      if (Result.isFailure(moved)) {
        await tx.forUser(AuthAttempt, scope).delete({ id: row.id });
        throw new ConflictError('login-abandoned', `The connection cannot wait for an answer: ${moved.failure.message}.`);
      }
      const fields = { phase: 'waiting' as const, challengeKind: challenge.kind, step: row.step + 1, ...sealed, expiresAt: new Date(now.getTime() + this.challengeTimeoutMs) };
      await tx.forUser(AuthAttempt, scope).updateOne({ id: row.id }, fields);
      return { ...row, ...fields };
    });
    await this.audit.record({ tenantId: scope.tenantId, actor: 'system:link', action: 'connection.challenge', target: `connection:${connectionId}`, details: { bankId: bank.bankId, kind: challenge.kind, step: attempt.step } });
    return { connectionId, bankId: bank.bankId, aggregationStatus: parseAggregationStatus(`suspended.missing-answer.auth.${challenge.kind}`), outcome: { type: 'challenge', challenge: pendingChallengeView(attempt, challenge) } };
  }

  private async granted(scope: UserScope, connectionId: string, bank: RegisteredBank, granted: Granted<Grant>, psu: PsuContext | undefined): Promise<LoginResult> {
    const now = this.clock.now();
    await this.data.transaction(async (tx) => {
      await lockConnection(tx, scope, connectionId);
      await tx.forUser(AuthAttempt, scope).delete({ connectionId });
      await renewConsent(tx, scope, connectionId, bank, granted, now);
    });
    await this.grants.storeGranted(scope, connectionId, this.clients.connector(bank.connectorId), granted, { now, scaAt: now });
    let sessionIds: readonly string[] = [];
    try {
      const started = await this.sync.startSync(scope, { connectionIds: [connectionId] }, { requestedBy: 'user', scaJustPerformed: true, ...(psu ? { psu } : {}) });
      sessionIds = started.sessionIds;
      if (started.skipped.length > 0) this.logger.warn(`connection ${connectionId}: the first sync was skipped (${started.skipped.map((s) => s.reason).join(', ')})`);
    } catch (e) {
      // The connection holds its grant: a later sync request picks it up.
      this.logger.error(`connection ${connectionId}: the first sync could not be started (${e instanceof Error ? e.name : 'error'})`);
    }
    await this.audit.record({ tenantId: scope.tenantId, actor: 'system:link', action: 'connection.login', target: `connection:${connectionId}`, details: { bankId: bank.bankId, outcome: 'granted' } });
    const connection = await this.data.forUser(Connection, scope).get({ id: connectionId });
    return { connectionId, bankId: bank.bankId, aggregationStatus: connection.aggregationStatus, outcome: { type: 'granted', sessionIds } };
  }


}
