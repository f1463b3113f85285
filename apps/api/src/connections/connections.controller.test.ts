import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { SEED_BANK, type SeededTenant, type SeededUser, seedTenant, seedUserData } from '../../test/support/fixtures';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { problemType } from '../http/problem';
import { Connection } from './connection.entity';

describe('connections', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let tenant: SeededTenant;
  let extra: SeededUser[];

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db, { banks: [SEED_BANK] });
    tenant = await seedTenant(app, 'acme');
    extra = [await seedUserData(app, tenant.tenantId, 'dave'), await seedUserData(app, tenant.tenantId, 'erin'), await seedUserData(app, tenant.tenantId, 'carol')];
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('user API: lists the caller’s connections with their aggregation status, and only theirs', async () => {
    const [alice, bob] = tenant.users;
    // Unknown future statuses are passed through verbatim.
    await app.get(DataSource).getRepository(Connection).update({ id: alice.connectionId }, { aggregationStatus: 'suspended.missing-answer.auth.fingerprint' });
    const res = await app.inject({ method: 'GET', url: '/api/v2/connections', headers: { authorization: `Bearer ${alice.token}` } });
    expect(res.statusCode).toBe(200);
    const list = res.json<{ id: string; aggregationStatus: string; connectorId: string }[]>();
    expect(list.map((c) => c.id)).toEqual([alice.connectionId]);
    expect(list[0]).toMatchObject({ connectorId: 'bank-common-api', aggregationStatus: 'suspended.missing-answer.auth.fingerprint', deactivated: false });
    const one = await app.inject({ method: 'GET', url: `/api/v2/connections/${alice.connectionId}`, headers: { authorization: `Bearer ${alice.token}` } });
    expect(one.json()).toEqual(list[0]);
    const foreign = await app.inject({ method: 'GET', url: `/api/v2/connections/${bob.connectionId}`, headers: { authorization: `Bearer ${alice.token}` } });
    expect(foreign.statusCode).toBe(404);
  });

  it('tenant API: reads one of its users’ connections', async () => {
    const [, bob] = tenant.users;
    const res = await app.inject({ method: 'GET', url: `/api/v2/tenant/users/${bob.userId}/connections`, headers: { authorization: `Bearer ${tenant.apiKey}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ id: string }[]>().map((c) => c.id)).toEqual([bob.connectionId]);
  });

  it('describes the status in the request language, with the next action and the consent', async () => {
    const carol = extra[2] as SeededUser;
    const scope = { authorization: `Bearer ${carol.token}` };
    const ds = app.get(DataSource);
    const threeMinutesAgo = new Date(Date.now() - 3 * 60_000 - 5_000);
    await ds.getRepository(Connection).update({ id: carol.connectionId }, { aggregationStatus: 'success', lastSuccessAt: threeMinutesAgo });
    const ja = (await app.inject({ method: 'GET', url: '/api/v2/connections', headers: { ...scope, 'accept-language': 'ja' } })).json<Array<Record<string, unknown>>>()[0];
    expect(ja).toMatchObject({ aggregationStatusLabel: '3分前に更新されました', lastSuccessLabel: '3分前に更新されました', aggregationStatusGroup: 'ok', nextAction: 'none', refreshAdvice: 'refresh-works' });
    expect(ja?.consent).toMatchObject({ id: carol.consentId, status: 'valid', invalidationReason: null });
    const en = (await app.inject({ method: 'GET', url: '/api/v2/connections?lang=en', headers: { ...scope, 'accept-language': 'ja' } })).json<Array<Record<string, unknown>>>()[0];
    expect(en?.aggregationStatusLabel).toBe('Updated 3 minutes ago');
    await ds.getRepository(Connection).update({ id: carol.connectionId }, { aggregationStatus: 'suspended.missing-answer.auth.otp' });
    const pl = (await app.inject({ method: 'GET', url: '/api/v2/connections', headers: { ...scope, 'accept-language': 'de, pl;q=0.8' } })).json<Array<Record<string, unknown>>>()[0];
    expect(pl).toMatchObject({ aggregationStatusLabel: 'Wymagane hasło jednorazowe', aggregationStatusGroup: 'waiting', nextAction: 'answer-challenge' });
    const bad = await app.inject({ method: 'GET', url: '/api/v2/connections?lang=de', headers: scope });
    expect(bad.statusCode).toBe(400);
  });

  it('deactivates and reactivates through the domain transitions; refuses while a run is under way', async () => {
    const dave = extra[0] as SeededUser;
    const headers = { authorization: `Bearer ${dave.token}` };
    const ds = app.get(DataSource);
    await ds.getRepository(Connection).update({ id: dave.connectionId }, { aggregationStatus: 'running.data' });
    const busy = await app.inject({ method: 'POST', url: `/api/v2/connections/${dave.connectionId}/deactivate`, headers });
    expect([busy.statusCode, busy.json<{ type: string }>().type]).toEqual([409, problemType('run-in-progress')]);
    await ds.getRepository(Connection).update({ id: dave.connectionId }, { aggregationStatus: 'error.temporary' });
    const off = await app.inject({ method: 'POST', url: `/api/v2/connections/${dave.connectionId}/deactivate`, headers: { ...headers, 'accept-language': 'en' } });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ aggregationStatus: 'inactive', deactivated: true, nextAction: 'reactivate', aggregationStatusGroup: 'inactive' });
    const twice = await app.inject({ method: 'POST', url: `/api/v2/connections/${dave.connectionId}/deactivate`, headers });
    expect([twice.statusCode, twice.json<{ type: string }>().type]).toEqual([409, problemType('connection-inactive')]);
    const on = await app.inject({ method: 'POST', url: `/api/v2/connections/${dave.connectionId}/reactivate`, headers });
    expect(on.statusCode).toBe(200);
    // The status before deactivation returns: reactivation never claims a fresh success.
    expect(on.json()).toMatchObject({ aggregationStatus: 'error.temporary', deactivated: false });
    const history = await ds.query(`SELECT previous_status, status FROM connection_status_history WHERE connection_id = $1 ORDER BY id DESC LIMIT 2`, [dave.connectionId]);
    expect(history).toEqual([
      { previous_status: 'inactive', status: 'error.temporary' },
      { previous_status: 'error.temporary', status: 'inactive' },
    ]);
  });

  it('disconnect: the consent is withdrawn, the grant deleted even when the bank cannot be reached, accounts hidden, data kept', async () => {
    const erin = extra[1] as SeededUser;
    const headers = { authorization: `Bearer ${erin.token}` };
    const ds = app.get(DataSource);
    const res = await app.inject({ method: 'DELETE', url: `/api/v2/connections/${erin.connectionId}`, headers });
    expect(res.statusCode).toBe(200);
    // The seeded grant is no grant the bank's connector can read: revocation fails, the secret goes anyway.
    expect(res.json()).toMatchObject({
      connection: { id: erin.connectionId, aggregationStatus: 'inactive', deactivated: true, nextAction: 'reconnect' },
      withdrawal: { bankRevocation: 'failed', consent: { id: erin.consentId, status: 'revokedByUser', invalidationReason: 'RevokedByUser', previousStatus: 'valid' } },
    });
    expect(await ds.query(`SELECT count(*)::int AS n FROM connection_secrets WHERE connection_id = $1`, [erin.connectionId])).toEqual([{ n: 0 }]);
    expect(await ds.query(`SELECT is_active FROM bank_accounts WHERE id = $1`, [erin.accountId])).toEqual([{ is_active: false }]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM transactions WHERE account_id = $1`, [erin.accountId])).toEqual([{ n: 2 }]);
    const listed = await app.inject({ method: 'GET', url: '/api/v2/bankaccount', headers });
    expect(listed.json()).toEqual([]);
    const again = await app.inject({ method: 'DELETE', url: `/api/v2/connections/${erin.connectionId}`, headers });
    // Idempotent: the same withdrawn consent, nothing left to revoke.
    expect(again.json()).toMatchObject({ withdrawal: { bankRevocation: 'nothing-to-revoke', consent: { status: 'revokedByUser' } }, connection: { aggregationStatus: 'inactive' } });
    const reactivate = await app.inject({ method: 'POST', url: `/api/v2/connections/${erin.connectionId}/reactivate`, headers });
    expect([reactivate.statusCode, reactivate.json<{ type: string }>().type]).toEqual([409, problemType('reconnect-required')]);
  });

  it('stops accepting a user token once its user is gone', async () => {
    const [, bob] = tenant.users;
    await app.get(DataSource).query('delete from users where id = $1', [bob.userId]);
    const res = await app.inject({ method: 'GET', url: '/api/v2/connections', headers: { authorization: `Bearer ${bob.token}` } });
    expect(res.statusCode).toBe(401);
  });
});
