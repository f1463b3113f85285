import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { problemType } from '../../src/http/problem';
import type { ProblemKind } from '../../src/http/problem';
import { TenantsService } from '../../src/tenants/tenants.service';
import { type LinkWorld, NETBANK_ID, connectWithCredentials, credentialsOf, reachStatus, startLinkWorld } from '../link/harness';
import { SEED_BANK } from '../support/fixtures';
import { type Reply, readReply } from '../support/http-reply';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Each conflict the API answers has its own problem `type` (issue 13 §5): every one here is
// produced over loopback HTTP, on PostgreSQL, by the state that causes it. Where that state is
// a race (two answers at once, a disconnect while an answer is being claimed), the row the
// winner of the race leaves behind is written directly, then the request is made.

interface ProblemBody {
  type: string;
  status: number;
  title: string;
  detail: string;
}

describe('conflict problem types', () => {
  let db: TestDatabase;
  let world: LinkWorld;

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db, { extraBanks: [SEED_BANK] });
  });
  afterAll(async () => {
    await world?.close();
    await db?.drop();
  });

  const expectProblem = (reply: Reply<unknown>, kind: ProblemKind): void => {
    const body = reply.json as ProblemBody;
    expect({ status: reply.status, type: body.type }).toEqual({ status: 409, type: problemType(kind) });
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  };
  const connect = async (persona: string): Promise<string> => (await connectWithCredentials(world, credentialsOf(world.netbank, persona))).connectionId;
  const connected = async (): Promise<string> => {
    const id = await connect('happy');
    await reachStatus(world, id, 'success', 60_000);
    return id;
  };
  const syncConnection = (id: string) => world.api('POST', `/api/v2/bank/connectionId/${id}/sync`, {});
  const answer = (id: string, text = '123456') => world.api('POST', `/api/v2/connections/${id}/challenge`, { answer: text });
  const sql = (query: string, params: unknown[]) => world.ds.query(query, params);

  it('external-id-taken: a second user with the same externalId', async () => {
    const { apiKey } = (await world.app.get(TenantsService).bootstrap('Problem tenant')).apiKey;
    const create = async () =>
      readReply(await fetch(`${world.base}/api/v2/tenant/users`, { method: 'POST', headers: { 'x-api-key': apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ externalId: 'twice' }) }));
    expect((await create()).status).toBe(201);
    expectProblem(await create(), 'external-id-taken');
  });

  it('credentials-flow-bank and redirect-flow-bank: a connect flow the bank does not use', async () => {
    expectProblem(await world.api('POST', `/api/v2/connect/${NETBANK_ID}`, {}), 'credentials-flow-bank');
    expectProblem(await world.api('GET', `/api/v2/connect/${SEED_BANK.bankId}/credentials`), 'redirect-flow-bank');
  });

  it('connection-not-inactive, run-in-progress, connection-inactive: deactivation and reactivation out of turn', async () => {
    const id = await connected();
    expectProblem(await world.api('POST', `/api/v2/connections/${id}/reactivate`), 'connection-not-inactive');
    await sql(`UPDATE connections SET aggregation_status = 'running.data' WHERE id = $1`, [id]);
    expectProblem(await world.api('POST', `/api/v2/connections/${id}/deactivate`), 'run-in-progress');
    await sql(`UPDATE connections SET aggregation_status = 'success' WHERE id = $1`, [id]);
    expect((await world.api('POST', `/api/v2/connections/${id}/deactivate`)).status).toBe(200);
    expectProblem(await world.api('POST', `/api/v2/connections/${id}/deactivate`), 'connection-inactive');
    expectProblem(await syncConnection(id), 'connection-inactive');
  });

  it('not-connected, nothing-to-sync, credentials-missing, connector-not-configured: a connection that lost its grant, its credentials, its connector', async () => {
    const id = await connected();
    await sql(`DELETE FROM connection_secrets WHERE connection_id = $1 AND kind = 'grant'`, [id]);
    expectProblem(await syncConnection(id), 'not-connected');
    // The bank's two connections: one inactive (above), this one without a grant.
    expectProblem(await world.api('POST', `/api/v2/bank/${NETBANK_ID}/sync`, {}), 'nothing-to-sync');
    await sql(`DELETE FROM connection_secrets WHERE connection_id = $1 AND kind = 'credentials'`, [id]);
    expectProblem(await world.api('POST', `/api/v2/connections/${id}/login`), 'credentials-missing');
    await sql(`UPDATE connections SET connector_id = 'no-such-connector' WHERE id = $1`, [id]);
    expectProblem(await syncConnection(id), 'connector-not-configured');
  });

  it('consent-not-active, consent-not-withdrawable: a rejected consent', async () => {
    const id = await connected();
    const [consent] = (await sql(`SELECT id FROM consents WHERE connection_id = $1`, [id])) as Array<{ id: string }>;
    await sql(`UPDATE consents SET status = 'rejected' WHERE connection_id = $1`, [id]);
    expectProblem(await syncConnection(id), 'consent-not-active');
    expectProblem(await world.api('DELETE', `/api/v2/consents/${consent?.id ?? ''}`), 'consent-not-withdrawable');
  });

  it('login-in-progress, no-challenge-pending, challenge-unreadable: a challenge waiting', async () => {
    const id = await connect('otp');
    await reachStatus(world, id, 'suspended.missing-answer.auth.otp');
    expectProblem(await world.api('POST', `/api/v2/connections/${id}/login`), 'login-in-progress');
    await sql(`UPDATE connections SET aggregation_status = 'error.temporary' WHERE id = $1`, [id]);
    expectProblem(await answer(id), 'no-challenge-pending');
    await sql(`UPDATE connections SET aggregation_status = 'suspended.missing-answer.auth.otp' WHERE id = $1`, [id]);
    await sql(`UPDATE auth_attempts SET master_key_id = 'a-key-no-longer-kept' WHERE connection_id = $1`, [id]);
    expectProblem(await answer(id), 'challenge-unreadable');
  });

  it('answer-in-progress, connection-disconnected: an answer racing another, or a disconnect', async () => {
    const id = await connect('otp');
    await reachStatus(world, id, 'suspended.missing-answer.auth.otp');
    // Another answer claimed the challenge and is with the bank.
    await sql(`UPDATE auth_attempts SET phase = 'bank' WHERE connection_id = $1`, [id]);
    expectProblem(await answer(id), 'answer-in-progress');
    await sql(`UPDATE auth_attempts SET phase = 'waiting' WHERE connection_id = $1`, [id]);
    // A disconnect deleted the secrets while this answer waited for the row.
    await sql(`DELETE FROM connection_secrets WHERE connection_id = $1`, [id]);
    expectProblem(await answer(id), 'connection-disconnected');
  });

  it('challenge-expired: an answer after the challenge expired', async () => {
    const id = await connect('otp');
    await reachStatus(world, id, 'suspended.missing-answer.auth.otp');
    world.clock.advance(181_000);
    expectProblem(await answer(id, world.netbank.persona('otp').otpCode), 'challenge-expired');
  });
});
