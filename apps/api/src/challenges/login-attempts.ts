// The database side of a credential login (issue 13 §6): the auth attempt's row, the
// connection's row lock, starting and ending a login's run through the one status writer,
// and the consent a granted login stands for. The bank calls stay in CredentialLoginService.

import type { Clock, Grant, Granted } from '@kinko/connector-sdk';
import { StatusEvent, aggregationStatusGroup, parseAggregationStatus } from '@kinko/domain';
import { Result } from 'effect';
import { IsNull } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/errors';
import { newConsentRow } from '../consents/consent-domain';
import { moveConnectionStatus } from '../connections/connection-status';
import { Connection } from '../connections/connection.entity';
import { Consent } from '../connections/consent.entity';
import type { RegisteredBank } from '../connectors/bank-directory';
import { newId } from '../database/ids';
import type { ScopedData, UserScope } from '../database/scoped-data';
import { renewConsentSca } from '../sync/consent-store';
import { applyConsentGranted } from '../sync/outcome-store';
import { SyncSession } from '../sync/sync-session.entity';
import { AuthAttempt } from './auth-attempt.entity';
import { NO_PAYLOAD } from './challenge-payload';
import { BANK_CALL_TIMEOUT_MS } from './login-types';

/** A login attempt's row while the bank is called (presumed dead after {@link BANK_CALL_TIMEOUT_MS}). */
export function bankPhaseRow(connectionId: string, connectorId: string, now: Date): Partial<AuthAttempt> {
  return { id: newId(now.getTime()), connectionId, connectorId, phase: 'bank', challengeKind: null, step: 0, ...NO_PAYLOAD, expiresAt: new Date(now.getTime() + BANK_CALL_TIMEOUT_MS) };
}

/** The connection's row, locked for the transaction ({@link NotFoundError} when it is not the user's). */
export function lockConnection(tx: ScopedData, scope: UserScope, connectionId: string): Promise<Connection> {
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
export async function startRun(data: ScopedData, scope: UserScope, connectionId: string, connectorId: string, now: Date): Promise<void> {
  await data.transaction(async (tx) => {
    const connection = await lockConnection(tx, scope, connectionId);
    if (await tx.forUser(AuthAttempt, scope).exists({ connectionId })) throw new ConflictError('login-in-progress', 'A login of this connection is under way.');
    const stale = await endStaleRun(tx, scope, connection, now);
    const moved = await moveConnectionStatus(tx, scope, stale, StatusEvent.refreshRequested(), now);
    if (Result.isFailure(moved)) {
      const why = connection.aggregationStatus === 'inactive' ? 'it is inactive: reactivate it first' : 'a run is under way: wait for it to end';
      throw new ConflictError(connection.aggregationStatus === 'inactive' ? 'connection-inactive' : 'run-in-progress', `The connection cannot log in now: ${why}.`);
    }
    await tx.forUser(AuthAttempt, scope).insert(bankPhaseRow(connectionId, connectorId, now));
  });
}

/**
 * A run nobody carries on any more — running or waiting, with neither an auth attempt nor
 * an unfinished sync session (e.g. a process that stopped while handing a challenged sync
 * over: a question the app has no state to answer) — is ended first, so the user can log in again: a waiting
 * status times out (domain `answerTimedOut`), a running one fails as `error.temporary`.
 */
export async function endStaleRun(tx: ScopedData, scope: UserScope, connection: Connection, now: Date): Promise<Connection> {
  const group = aggregationStatusGroup(parseAggregationStatus(connection.aggregationStatus));
  if (group !== 'running' && group !== 'waiting') return connection;
  if (await tx.forUser(SyncSession, scope).exists({ connectionId: connection.id, finishedAt: IsNull() })) return connection;
  const event = group === 'waiting' ? StatusEvent.answerTimedOut() : StatusEvent.failed('error.temporary');
  const moved = await moveConnectionStatus(tx, scope, connection, event, now);
  return Result.isSuccess(moved) ? { ...connection, aggregationStatus: moved.success } : connection;
}

/**
 * The consent the login stands for: the current one, if still valid, gets the new SCA
 * instant; otherwise a new one is confirmed (domain `confirmConsent`) and the connection's
 * accounts are covered by it again (domain `applyConsentChange(granted)`).
 */
export async function renewConsent(tx: ScopedData, scope: UserScope, connectionId: string, bank: RegisteredBank, granted: Granted<Grant>, now: Date): Promise<void> {
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
export async function endAttempt(data: ScopedData, clock: Clock, scope: UserScope, connectionId: string, event: StatusEvent): Promise<string> {
  return data.transaction(async (tx) => {
    const connection = await lockConnection(tx, scope, connectionId);
    await tx.forUser(AuthAttempt, scope).delete({ connectionId });
    const moved = await moveConnectionStatus(tx, scope, connection, event, clock.now());
    return Result.isSuccess(moved) ? moved.success : connection.aggregationStatus;
  });
}

