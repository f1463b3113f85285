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
  createPkcePair,
  createState,
} from '@kinko/connector-sdk';
import {
  type ChallengeKind,
  DecisionInput,
  StatusEvent,
  aggregationStatusGroup,
  decide,
  parseAggregationStatus,
} from '@kinko/domain';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Redacted, Result } from 'effect';
import { IsNull } from 'typeorm';
import { AuditLog } from '../audit/audit-log.service';
import { InjectClock } from '../common/clock';
import { ConflictError, LinkPageOnlyError, NotFoundError, ValidationFailedError } from '../common/errors';
import { InjectSettings } from '../config/config.module';
import type { Settings } from '../config/settings';
import { newConsentRow } from '../consents/consent-domain';
import { moveConnectionStatus } from '../connections/connection-status';
import { Connection } from '../connections/connection.entity';
import { Consent } from '../connections/consent.entity';
import { BankDirectory, type RegisteredBank } from '../connectors/bank-directory';
import { newId } from '../database/ids';
import { ScopedData, type UserScope } from '../database/scoped-data';
import { ConnectionSecret } from '../secrets/connection-secret.entity';
import type { MasterKeyring } from '../secrets/master-keyring';
import { MASTER_KEYRING, SecretsService } from '../secrets/secrets.service';
import type { ChallengedSyncHandler } from '../sync/challenged-sync';
import { ConnectorClients } from '../sync/connector-clients';
import { createConnection } from '../sync/connection-status';
import { renewConsentSca } from '../sync/consent-store';
import { GrantVault } from '../sync/grant-vault';
import { applyConsentGranted } from '../sync/outcome-store';
import { SyncSession } from '../sync/sync-session.entity';
import { SyncService } from '../sync/sync.service';
import { decisionOf } from '../sync/sync-failures';
import { AuthAttempt } from './auth-attempt.entity';
import { NO_PAYLOAD, UnreadableChallengeError, openChallengePayload, sealChallengePayload } from './challenge-payload';

/**
 * How long one call to the bank (a login, or passing an answer on) may be in flight before
 * the attempt is presumed dead (its process stopped): beyond the connector's own worst case
 * (three attempts of 30 s with backoff).
 */
export const BANK_CALL_TIMEOUT_MS = 5 * 60_000;

/** Longest answer passed on to a bank (an OTP, a CAPTCHA text, a secret answer, a puzzle offset). */
export const MAX_ANSWER_LENGTH = 256;

/** Where a pending challenge can be answered: through the API, or only by a person on the Link page (puzzle). */
export type AnswerChannel = 'api' | 'link-page';

/** A challenge waiting for the user's answer, as shown to them. */
export interface PendingChallenge {
  readonly connectionId: string;
  readonly kind: ChallengeKind;
  /** The bank's question or instruction, as the bank wrote it. */
  readonly prompt: string;
  /** Digits of an OTP, when the bank says. */
  readonly length: number | undefined;
  /** The CAPTCHA or puzzle picture. */
  readonly image: { readonly mediaType: string; readonly base64: string } | undefined;
  /** The answer must arrive before this, else the connection ends in the matching `auth.creds.*.invalid`. */
  readonly expiresAt: Date;
  /** Which challenge of this login it is (1 = the first; a second question may follow). */
  readonly step: number;
  readonly answerVia: AnswerChannel;
}

/** How one login step (credentials, or an answer) ended. */
export type LoginOutcome =
  /** The login goes on at the bank (a new connection answers at once): follow the connection's status. */
  | { readonly type: 'running' }
  /** The bank let the user in: the grant is stored and the first sync started. */
  | { readonly type: 'granted'; readonly sessionIds: readonly string[] }
  /** The bank asks (another) challenge. */
  | { readonly type: 'challenge'; readonly challenge: PendingChallenge }
  /** The bank refused (wrong credentials or answer, lock, maintenance…): the connection took the matching status. */
  | { readonly type: 'failed'; readonly errorTag: string; readonly message: string };

/** A login step's result: the connection, its status after the step, and the outcome. */
export interface LoginResult {
  readonly connectionId: string;
  readonly bankId: string;
  readonly aggregationStatus: string;
  readonly outcome: LoginOutcome;
}

/** The credential form of a bank. */
export interface CredentialForm {
  readonly bankId: string;
  readonly fields: readonly CredentialField[];
}


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
  async connect(scope: UserScope, bankId: string, credentials: Readonly<Record<string, string>>, actor: string): Promise<LoginResult> {
    const bank = this.credentialBank(bankId);
    const values = await this.checkedCredentials(bankId, credentials);
    const now = this.clock.now();
    const connectionId = newId(now.getTime());
    await this.data.transaction(async (tx) => {
      // The one store: a brand-new connection with its first status (the login under way) and its history row.
      await createConnection(tx.manager, scope, { id: connectionId, connectorId: bank.connectorId, bankId: bank.bankId }, 'running.auth', now);
      await tx.forUser(AuthAttempt, scope).insert(this.bankPhaseRow(connectionId, bank.connectorId, now));
    });
    await this.secrets.store(scope, connectionId, 'credentials', Redacted.make(JSON.stringify(values)));
    await this.audit.record({ tenantId: scope.tenantId, actor, action: 'connection.create', target: `connection:${connectionId}`, details: { bankId, flow: 'credentials' } });
    this.carryOn(scope, connectionId, bank, values);
    return { connectionId, bankId: bank.bankId, aggregationStatus: 'running.auth', outcome: { type: 'running' } };
  }

  /** Waits for the logins still under way (the app is stopping), before the connectors and the database go. */
  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** The login of a new connection, after its request was answered. Whatever fails is the connection's status, never an unhandled error. */
  private carryOn(scope: UserScope, connectionId: string, bank: RegisteredBank, values: Record<string, string>): void {
    const run = (async () => {
      try {
        await this.login(scope, connectionId, bank, values);
      } catch (e) {
        this.logger.error(`connection ${connectionId}: the login could not be completed (${e instanceof Error ? e.name : 'error'})`);
        try {
          await this.endAttempt(scope, connectionId, StatusEvent.failed('error.temporary'));
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
  async reenterCredentials(scope: UserScope, connectionId: string, credentials: Readonly<Record<string, string>>, actor: string): Promise<LoginResult> {
    const connection = await this.data.forUser(Connection, scope).get({ id: connectionId });
    const bank = this.credentialBank(connection.bankId ?? connection.connectorId);
    const values = await this.checkedCredentials(bank.bankId, credentials);
    await this.startRun(scope, connectionId, bank);
    await this.secrets.store(scope, connectionId, 'credentials', Redacted.make(JSON.stringify(values)));
    await this.audit.record({ tenantId: scope.tenantId, actor, action: 'connection.credentials.replace', target: `connection:${connectionId}`, details: { bankId: bank.bankId } });
    return this.login(scope, connectionId, bank, values);
  }

  /**
   * Logs in again with the stored credentials (after a wrong or late answer, a lock that
   * has passed, maintenance…): the way to a new challenge. Refused ({@link ConflictError})
   * when no credentials are stored (disconnected) or the connection is not settled.
   */
  async loginAgain(scope: UserScope, connectionId: string, actor: string): Promise<LoginResult> {
    const connection = await this.data.forUser(Connection, scope).get({ id: connectionId });
    const bank = this.credentialBank(connection.bankId ?? connection.connectorId);
    if (!(await this.secrets.has(scope, connectionId, 'credentials'))) throw new ConflictError('credentials-missing', 'No credentials are stored for this connection: enter them again.');
    await this.startRun(scope, connectionId, bank);
    let values: Record<string, string>;
    try {
      values = JSON.parse(Redacted.value(await this.secrets.reveal(scope, connectionId, 'credentials', { actor, reason: 'login-again' }))) as Record<string, string>;
    } catch (e) {
      await this.endAttempt(scope, connectionId, StatusEvent.failed('error.temporary'));
      throw e;
    }
    return this.login(scope, connectionId, bank, values);
  }

  /** The challenge waiting for the user's answer; {@link NotFoundError} (`Challenge`) when none is (or it has expired). */
  async pendingChallenge(scope: UserScope, connectionId: string): Promise<PendingChallenge> {
    await this.data.forUser(Connection, scope).get({ id: connectionId });
    const attempt = await this.data.forUser(AuthAttempt, scope).findOne({ connectionId });
    if (!attempt || attempt.phase !== 'waiting' || attempt.expiresAt.getTime() <= this.clock.now().getTime()) throw new NotFoundError('Challenge');
    try {
      return this.viewOf(attempt, openChallengePayload(this.keyring, attempt).challenge);
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
  async answer(scope: UserScope, connectionId: string, answer: Redacted.Redacted<string>, via: AnswerChannel): Promise<LoginResult> {
    const text = Redacted.value(answer);
    if (text.trim() === '' || text.length > MAX_ANSWER_LENGTH) {
      throw new ValidationFailedError([{ field: 'answer', reason: `must be 1 to ${MAX_ANSWER_LENGTH} characters` }]);
    }
    const now = this.clock.now();
    const claimed = await this.data.transaction(async (tx) => {
      const connection = await this.lockConnection(tx, scope, connectionId);
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
      return { attempt, payload, bankId: connection.bankId ?? connection.connectorId };
    });
    if ('expired' in claimed) throw new ConflictError('challenge-expired', 'The challenge has expired: log in again to get a new one.');
    if ('unreadable' in claimed) throw new ConflictError('challenge-unreadable', 'The challenge can no longer be read (the key it was stored under is gone): log in again.');
    const bank = this.banks.require(claimed.bankId);
    const connector = this.clients.connector(claimed.attempt.connectorId);
    const state = connector.deserializeChallengeState(Redacted.value(claimed.payload.state));
    if (!state.ok) return this.settle(scope, connectionId, bank, state);
    const step = await this.clients.call(claimed.attempt.connectorId, { tenantId: scope.tenantId, connectionId, actor: 'system:link' }, (client) => client.auth.answerChallenge({ state: state.value, answer }));
    return this.settle(scope, connectionId, bank, step);
  }

  /**
   * Gives up a waiting challenge as unanswered (domain `answerTimedOut`: the matching
   * `auth.creds.*.invalid`), e.g. before a disconnect. No-op when nothing waits.
   */
  async abandon(scope: UserScope, connectionId: string): Promise<void> {
    await this.data.transaction(async (tx) => {
      const connection = await this.lockConnection(tx, scope, connectionId);
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
    const bank = this.banks.require(connection.bankId ?? connection.connectorId);
    if (bank.manifest.authFlow !== 'credentials' || !this.clients.has(bank.connectorId)) return false;
    if (!(await this.secrets.has(scope, connectionId, 'credentials'))) return false;
    const claimed = await this.data.transaction(async (tx) => {
      const locked = await this.lockConnection(tx, scope, connectionId);
      if (await tx.forUser(AuthAttempt, scope).exists({ connectionId })) return false;
      if (aggregationStatusGroup(parseAggregationStatus(locked.aggregationStatus)) !== 'running') return false;
      await tx.forUser(AuthAttempt, scope).insert(this.bankPhaseRow(connectionId, bank.connectorId, this.clock.now()));
      return true;
    });
    if (!claimed) return true;
    let values: Record<string, string>;
    try {
      values = JSON.parse(Redacted.value(await this.secrets.reveal(scope, connectionId, 'credentials', { actor: 'system:sync', reason: 'challenged-sync' }))) as Record<string, string>;
    } catch (e) {
      await this.endAttempt(scope, connectionId, StatusEvent.failed('error.temporary'));
      throw e;
    }
    await this.login(scope, connectionId, bank, values);
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

  private bankPhaseRow(connectionId: string, connectorId: string, now: Date): Partial<AuthAttempt> {
    return { id: newId(now.getTime()), connectionId, connectorId, phase: 'bank', challengeKind: null, step: 0, ...NO_PAYLOAD, expiresAt: new Date(now.getTime() + BANK_CALL_TIMEOUT_MS) };
  }

  private lockConnection(tx: ScopedData, scope: UserScope, connectionId: string): Promise<Connection> {
    return tx
      .forUser(Connection, scope)
      .queryBuilder('c')
      .andWhere('c.id = :id', { id: connectionId })
      .setLock('pessimistic_write')
      .getOne()
      .then((c) => {
        if (!c) throw new NotFoundError('Connection');
        return c;
      });
  }

  /** Starts a run of a settled connection (domain refresh → running.auth) and its auth attempt. */
  private async startRun(scope: UserScope, connectionId: string, bank: RegisteredBank): Promise<void> {
    const now = this.clock.now();
    await this.data.transaction(async (tx) => {
      const connection = await this.lockConnection(tx, scope, connectionId);
      if (await tx.forUser(AuthAttempt, scope).exists({ connectionId })) throw new ConflictError('login-in-progress', 'A login of this connection is under way.');
      const stale = await this.endStaleRun(tx, scope, connection, now);
      const moved = await moveConnectionStatus(tx, scope, stale, StatusEvent.refreshRequested(), now);
      if (Result.isFailure(moved)) {
        const why = connection.aggregationStatus === 'inactive' ? 'it is inactive: reactivate it first' : 'a run is under way: wait for it to end';
        throw new ConflictError(connection.aggregationStatus === 'inactive' ? 'connection-inactive' : 'run-in-progress', `The connection cannot log in now: ${why}.`);
      }
      await tx.forUser(AuthAttempt, scope).insert(this.bankPhaseRow(connectionId, bank.connectorId, now));
    });
  }

  /**
   * A run nobody carries on any more — running or waiting, with neither an auth attempt nor
   * an unfinished sync session (e.g. a process that stopped while handing a challenged sync
   * over: a question the app has no state to answer) — is ended first, so the user can log in again: a waiting
   * status times out (domain `answerTimedOut`), a running one fails as `error.temporary`.
   */
  private async endStaleRun(tx: ScopedData, scope: UserScope, connection: Connection, now: Date): Promise<Connection> {
    const group = aggregationStatusGroup(parseAggregationStatus(connection.aggregationStatus));
    if (group !== 'running' && group !== 'waiting') return connection;
    if (await tx.forUser(SyncSession, scope).exists({ connectionId: connection.id, finishedAt: IsNull() })) return connection;
    const event = group === 'waiting' ? StatusEvent.answerTimedOut() : StatusEvent.failed('error.temporary');
    const moved = await moveConnectionStatus(tx, scope, connection, event, now);
    return Result.isSuccess(moved) ? { ...connection, aggregationStatus: moved.success } : connection;
  }

  private async login(scope: UserScope, connectionId: string, bank: RegisteredBank, values: Record<string, string>): Promise<LoginResult> {
    const credentials = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Redacted.make(v)]));
    const step = await this.clients.call(bank.connectorId, { tenantId: scope.tenantId, connectionId, actor: 'system:link' }, (client) => client.auth.complete({ type: 'credentials', credentials }));
    return this.settle(scope, connectionId, bank, step);
  }

  /** What the bank answered to a login or an answer: the connection moves accordingly. */
  private async settle(scope: UserScope, connectionId: string, bank: RegisteredBank, step: Outcome<AuthStep<Grant, ChallengeState>>): Promise<LoginResult> {
    if (!step.ok) return this.refused(scope, connectionId, bank, step.error);
    if (step.value.type === 'challenge') return this.challenged(scope, connectionId, bank, step.value.challenge, step.value.state);
    return this.granted(scope, connectionId, bank, step.value);
  }

  private async refused(scope: UserScope, connectionId: string, bank: RegisteredBank, error: ConnectorError): Promise<LoginResult> {
    // The domain's one decision for a refused login or answer (always a failure status here).
    const after = await this.endAttempt(scope, connectionId, decisionOf('credentialLogin', error).event ?? StatusEvent.failed('error.temporary'));
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
      const connection = await this.lockConnection(tx, scope, connectionId);
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
    return { connectionId, bankId: bank.bankId, aggregationStatus: parseAggregationStatus(`suspended.missing-answer.auth.${challenge.kind}`), outcome: { type: 'challenge', challenge: this.viewOf(attempt, challenge) } };
  }

  private async granted(scope: UserScope, connectionId: string, bank: RegisteredBank, granted: Granted<Grant>): Promise<LoginResult> {
    const now = this.clock.now();
    await this.data.transaction(async (tx) => {
      await this.lockConnection(tx, scope, connectionId);
      await tx.forUser(AuthAttempt, scope).delete({ connectionId });
      await this.renewConsent(tx, scope, connectionId, bank, granted, now);
    });
    await this.grants.storeGranted(scope, connectionId, this.clients.connector(bank.connectorId), granted, { now, scaAt: now });
    let sessionIds: readonly string[] = [];
    try {
      const started = await this.sync.startSync(scope, { connectionIds: [connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
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

  /**
   * The consent the login stands for: the current one, if still valid, gets the new SCA
   * instant; otherwise a new one is confirmed (domain `confirmConsent`) and the connection's
   * accounts are covered by it again (domain `applyConsentChange(granted)`).
   */
  private async renewConsent(tx: ScopedData, scope: UserScope, connectionId: string, bank: RegisteredBank, granted: Granted<Grant>, now: Date): Promise<void> {
    const [current] = await tx.forUser(Consent, scope).find({ where: { connectionId }, order: { createDate: 'DESC', id: 'DESC' }, take: 1 });
    if (current && current.status === 'valid' && (current.expirationDate === null || current.expirationDate.getTime() > now.getTime())) {
      await renewConsentSca(tx.manager, scope, current.id, now);
      return;
    }
    // The one store: the new consent, and the connection's accounts covered by it again.
    const id = newId(now.getTime());
    await applyConsentGranted(tx.manager, scope, connectionId, { ...newConsentRow(id, connectionId, bank, granted, now), id });
  }

  /** Ends the login attempt with a status event; returns the connection's status after it. */
  private async endAttempt(scope: UserScope, connectionId: string, event: StatusEvent): Promise<string> {
    return this.data.transaction(async (tx) => {
      const connection = await this.lockConnection(tx, scope, connectionId);
      await tx.forUser(AuthAttempt, scope).delete({ connectionId });
      const moved = await moveConnectionStatus(tx, scope, connection, event, this.clock.now());
      return Result.isSuccess(moved) ? moved.success : connection.aggregationStatus;
    });
  }

  private viewOf(attempt: Pick<AuthAttempt, 'connectionId' | 'expiresAt' | 'step'>, challenge: Challenge): PendingChallenge {
    return {
      connectionId: attempt.connectionId,
      kind: challenge.kind,
      prompt: challenge.prompt,
      length: challenge.kind === 'otp' ? challenge.length : undefined,
      image: challenge.kind === 'captcha' || challenge.kind === 'puzzle' ? challenge.image : undefined,
      expiresAt: attempt.expiresAt,
      step: attempt.step,
      answerVia: challenge.kind === 'puzzle' ? 'link-page' : 'api',
    };
  }
}
