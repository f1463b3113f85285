import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import { StatusEvent } from '@kinko/domain';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { newId } from '../../src/database/ids';
import { runTransaction } from '../../src/database/transaction';
import { MoveNeedsTransactionError, moveConnection, moveConnectionThrough } from '../../src/sync/connection-status';
import { TenantsService } from '../../src/tenants/tenants.service';
import { UsersService } from '../../src/users/users.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { BANK_ID, startSandbox, syncApp } from './harness';

// Issue 19 (PGSESS): a sync's status move sent alone — one statement with no BEGIN/COMMIT around
// it — is made only when it is all the move writes; otherwise the whole statement (the carried
// writes too) is refused and rolled back (MoveNeedsTransactionError), and the engine runs the
// move in a transaction, where its webhook events or the deactivation are written with it.
describe('connection moves sent alone', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox([]);
    app = await syncApp(db, sandbox);
    ds = app.get(DataSource);
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  /** A tenant, a user and a connection in `success`. */
  const connection = async (): Promise<{ tenantId: string; userId: string; connectionId: string; sessionId: null }> => {
    const tenantId = (await app.get(TenantsService).bootstrap(`Alone ${newId()}`)).tenant.id;
    const userId = (await app.get(UsersService).create({ tenantId }, `user-${newId()}`)).id;
    const connectionId = newId();
    await ds.query(`INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at, deactivated) VALUES ($1, $2, $3, $4, $4, 'success', now(), false)`, [
      connectionId,
      tenantId,
      userId,
      BANK_ID,
    ]);
    return { tenantId, userId, connectionId, sessionId: null };
  };
  /** A plain INSERT carried by the move (an audit row naming `marker`), to see whether the statement's writes stayed. */
  const carried = (tenantId: string, marker: string) => [{ text: `INSERT INTO audit_log (tenant_id, actor, action, target) VALUES ($1::uuid, 'test', 'test.carried', $2)`, values: [tenantId, marker] }];
  const state = async (ids: { tenantId: string; connectionId: string }, marker: string): Promise<{ status: string; history: number; carried: number }> => {
    const [r] = (await ds.query(
      `SELECT c.aggregation_status AS status, (SELECT count(*)::int FROM connection_status_history h WHERE h.connection_id = c.id) AS history,
              (SELECT count(*)::int FROM audit_log a WHERE a.action = 'test.carried' AND a.target = $2) AS carried
         FROM connections c WHERE c.id = $1`,
      [ids.connectionId, marker],
    )) as Array<{ status: string; history: number; carried: number }>;
    return r!;
  };
  const subscribe = (tenantId: string, types: readonly string[]): Promise<unknown> =>
    ds.query(
      `INSERT INTO webhook_endpoints (id, tenant_id, url, event_types, enabled, master_key_id, wrapped_data_key, nonce, ciphertext, auth_tag) VALUES ($1, $2, 'https://hooks.example/x', $3, true, 'k', '\\x00', '\\x00', '\\x00', '\\x00')`,
      [newId(), tenantId, types],
    );

  it('moves alone when the move is all it writes: the move, its history row and the carried writes', async () => {
    const ids = await connection();
    // An endpoint for other events only does not need the move's transaction.
    await subscribe(ids.tenantId, ['sync.finished']);
    expect(await moveConnection(ds.manager, ids, StatusEvent.refreshRequested(), new Date(), carried(ids.tenantId, 'a1'), true)).toBe('running.auth');
    expect(await state(ids, 'a1')).toEqual({ status: 'running.auth', history: 1, carried: 1 });
    expect(await moveConnectionThrough(ds.manager, ids, [StatusEvent.loggedIn(), StatusEvent.dataFetched()], new Date(), carried(ids.tenantId, 'a2'), true)).toBe('running.intelligence');
    expect(await state(ids, 'a2')).toEqual({ status: 'running.intelligence', history: 3, carried: 1 });
  });

  it('refuses the whole statement when an endpoint is subscribed to status events: nothing written, and the move in a transaction emits the event', async () => {
    const ids = await connection();
    await subscribe(ids.tenantId, ['connection.status_changed']);
    await expect(moveConnection(ds.manager, ids, StatusEvent.refreshRequested(), new Date(), carried(ids.tenantId, 'b1'), true)).rejects.toBeInstanceOf(MoveNeedsTransactionError);
    await expect(moveConnectionThrough(ds.manager, ids, [StatusEvent.refreshRequested(), StatusEvent.loggedIn()], new Date(), carried(ids.tenantId, 'b2'), true)).rejects.toBeInstanceOf(
      MoveNeedsTransactionError,
    );
    expect(await state(ids, 'b1')).toEqual({ status: 'success', history: 0, carried: 0 });
    expect((await state(ids, 'b2')).carried).toBe(0);
    await runTransaction(ds, async (m) => {
      expect(await moveConnection(m, ids, StatusEvent.refreshRequested(), new Date(), carried(ids.tenantId, 'b3'))).toBe('running.auth');
    });
    expect(await state(ids, 'b3')).toEqual({ status: 'running.auth', history: 1, carried: 1 });
    const [events] = (await ds.query(`SELECT count(*)::int AS n FROM webhook_events WHERE tenant_id = $1 AND type = 'connection.status_changed'`, [ids.tenantId])) as Array<{ n: number }>;
    expect(events?.n).toBe(1);
  });

  it('refuses a move of a connection deactivated meanwhile (its deactivation follows the move) and a move the domain does not make', async () => {
    const ids = await connection();
    await ds.query(`UPDATE connections SET deactivated = true WHERE id = $1`, [ids.connectionId]);
    await expect(moveConnection(ds.manager, ids, StatusEvent.refreshRequested(), new Date(), carried(ids.tenantId, 'c1'), true)).rejects.toBeInstanceOf(MoveNeedsTransactionError);
    await expect(moveConnectionThrough(ds.manager, ids, [StatusEvent.refreshRequested(), StatusEvent.loggedIn()], new Date(), carried(ids.tenantId, 'c2'), true)).rejects.toBeInstanceOf(
      MoveNeedsTransactionError,
    );
    expect(await state(ids, 'c1')).toEqual({ status: 'success', history: 0, carried: 0 });
    const other = await connection();
    // success → running.intelligence is no move of the domain's (data fetched before any refresh).
    await expect(moveConnection(ds.manager, other, StatusEvent.dataFetched(), new Date(), carried(other.tenantId, 'c3'), true)).rejects.toBeInstanceOf(MoveNeedsTransactionError);
    expect(await state(other, 'c3')).toEqual({ status: 'success', history: 0, carried: 0 });
  });
});
