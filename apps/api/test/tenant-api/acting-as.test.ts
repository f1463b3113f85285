import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { problemType } from '../../src/http/problem';
import type { CatalogRoute } from '../../src/http/route-catalog';
import { SEED_BANK, type SeededTenant, databaseChecksum, seedTenant } from '../support/fixtures';
import { type Reply, readReply } from '../support/http-reply';
import { createTestApp } from '../support/test-app';
import { type TestDatabase, createTestDatabase } from '../support/test-database';
import { type Probe, catalogOf, openApiOf, probesFor } from '../isolation/harness';

// Issue 15 §3: a tenant reads any of its own users' connections, consents, accounts,
// transactions, balances and sessions with its API key — every GET route of the user API,
// with `Kinko-Acting-As-User: <userId>` — under the same isolation as every route: ids of
// another tenant or of another user answer 404 and change nothing; writes stay with the user token.
describe('tenant API key acting as one of its users (reads)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let base: string;
  let catalog: CatalogRoute[];
  let doc: OpenAPIObject;
  let tenantA: SeededTenant;
  let tenantB: SeededTenant;

  const send = async (p: Probe, headers: Record<string, string>): Promise<Reply<{ type?: string }>> =>
    readReply(
      await fetch(`${base}${p.url}`, {
        method: p.route.method,
        headers: p.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(p.body === undefined || p.route.method === 'GET' ? {} : { body: JSON.stringify(p.body) }),
      }),
    );
  const actingAs = (apiKey: string, userId: string): Record<string, string> => ({ authorization: `Bearer ${apiKey}`, 'kinko-acting-as-user': userId });
  const userReads = (): CatalogRoute[] => catalog.filter((r) => r.auth === 'user' && r.method === 'GET');
  const describeProbe = (p: Probe): string => `${p.route.method} ${p.route.path} [${p.foreign ? `${p.foreign.param} of ${p.foreign.owner}` : 'own ids'}]`;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db, { banks: [SEED_BANK] });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    tenantA = await seedTenant(app, 'tenant-a');
    tenantB = await seedTenant(app, 'tenant-b');
    catalog = catalogOf(app);
    doc = await openApiOf(app);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it("reads every user GET route with the API key, answering what the user's own token answers", async () => {
    const routes = userReads();
    const paths = routes.map((r) => r.path);
    for (const expected of ['/api/v2/connections', '/api/v2/consents', '/api/v2/bankaccount', '/api/v2/accounts/:accountId/transactions', '/api/v2/accounts/:accountId/balances', '/api/v2/bank/session/:sessionId']) {
      expect(paths).toContain(expected);
    }
    const [a1] = tenantA.users;
    const failures: string[] = [];
    for (const route of routes) {
      const [own] = probesFor(route, tenantA, tenantB, doc) as [Probe];
      const asUser = await send(own, { authorization: `Bearer ${a1.token}` });
      const asTenant = await send(own, actingAs(tenantA.apiKey, a1.userId));
      // The same answer (a problem differs only in its request id); never not-found or a failure.
      const same = asTenant.status === asUser.status && JSON.stringify({ ...(asTenant.json as object), requestId: 0 }) === JSON.stringify({ ...(asUser.json as object), requestId: 0 });
      if (!same || asTenant.status === 404 || asTenant.status >= 500) {
        failures.push(`${describeProbe(own)}: token ${asUser.status}, acting-as ${asTenant.status} ${asTenant.text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("answers 404 to another tenant's user, and to ids of another user or tenant, changing nothing", async () => {
    const [a1] = tenantA.users;
    const [b1] = tenantB.users;
    const before = await databaseChecksum(db.dataSource);
    const failures: string[] = [];
    const expect404 = (label: string, res: Reply<{ type?: string }>): void => {
      if (res.status !== 404 || res.json?.type !== problemType('not-found')) failures.push(`${label}: ${res.status} ${res.text.slice(0, 120)}`);
    };
    for (const route of userReads()) {
      const probes = probesFor(route, tenantA, tenantB, doc);
      for (const probe of probes.filter((p) => p.foreign)) expect404(describeProbe(probe), await send(probe, actingAs(tenantA.apiKey, a1.userId)));
      // Tenant A's key acting as tenant B's user, even on B1's own ids.
      const [ownOfB] = probesFor(route, tenantB, tenantA, doc) as [Probe];
      expect404(`${describeProbe(ownOfB)} as another tenant's user`, await send(ownOfB, actingAs(tenantA.apiKey, b1.userId)));
    }
    for (const bad of ['not-a-uuid', '01a1fe9a-0000-7000-8000-000000000009', '']) {
      expect404(`acting as ${JSON.stringify(bad)}`, await send({ route: userReads()[0] as CatalogRoute, url: '/api/v2/connections', headers: {}, body: undefined }, actingAs(tenantA.apiKey, bad)));
    }
    expect(failures).toEqual([]);
    expect(await databaseChecksum(db.dataSource)).toEqual(before);
  });

  it('refuses every write of the user API (403) and changes nothing; a bad key or a user token is no API key (401)', async () => {
    const [a1] = tenantA.users;
    const writes = catalog.filter((r) => r.auth === 'user' && r.method !== 'GET');
    expect(writes.length).toBeGreaterThan(3);
    const before = await databaseChecksum(db.dataSource);
    const failures: string[] = [];
    for (const route of writes) {
      const [own] = probesFor(route, tenantA, tenantB, doc) as [Probe];
      const res = await send(own, actingAs(tenantA.apiKey, a1.userId));
      if (res.status !== 403 || res.json?.type !== problemType('forbidden')) failures.push(`${describeProbe(own)}: ${res.status} ${res.text.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
    expect(await databaseChecksum(db.dataSource)).toEqual(before);

    const read = { route: userReads()[0] as CatalogRoute, url: '/api/v2/connections', headers: {}, body: undefined };
    for (const headers of [actingAs('kinko_0000000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', a1.userId), actingAs(a1.token, a1.userId), { 'kinko-acting-as-user': a1.userId }]) {
      const res = await send(read, headers);
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ type: problemType('unauthorized') });
    }
  });
});
