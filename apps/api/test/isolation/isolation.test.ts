import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { CatalogRoute } from '../../src/http/route-catalog';
import { problemType } from '../../src/http/problem';
import { SEED_BANK, type SeededTenant, databaseChecksum, seedTenant } from '../support/fixtures';
import { createTestApp } from '../support/test-app';
import { type TestDatabase, createTestDatabase } from '../support/test-database';
import { type Probe, catalogOf, openApiOf, probesFor, unaccountedRoutes, unknownParams } from './harness';

// Tenant isolation, checked over the app's own route table: every controller route (found
// at run time) is called with ids of another tenant and of another user of the same
// tenant; each must answer 404 and change no row. See harness.ts to extend it.
describe('tenant isolation over every route', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let catalog: CatalogRoute[];
  let doc: OpenAPIObject;
  let tenantA: SeededTenant;
  let tenantB: SeededTenant;

  const send = (p: Probe) =>
    app.inject({
      method: p.route.method as 'GET',
      url: p.url,
      headers: p.body === undefined ? p.headers : { ...p.headers, 'content-type': 'application/json' },
      ...(p.body === undefined ? {} : { payload: JSON.stringify(p.body) }),
    });
  const describeProbe = (p: Probe): string => `${p.route.method} ${p.route.path} [${p.foreign ? `${p.foreign.param} of ${p.foreign.owner}` : 'own ids'}]`;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The seeded bank is registered, so routes naming it (connect) reach their logic.
    app = await createTestApp(db, { banks: [SEED_BANK] });
    tenantA = await seedTenant(app, 'tenant-a');
    tenantB = await seedTenant(app, 'tenant-b');
    catalog = catalogOf(app);
    doc = await openApiOf(app);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('knows every route the server answers, and every route declares who may call it', () => {
    expect(catalog.length).toBeGreaterThan(5);
    expect(unaccountedRoutes(app, catalog)).toEqual([]);
    expect(catalog.filter((r) => r.auth === undefined).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(catalog.flatMap((r) => unknownParams(r).map((p) => `${r.method} ${r.path}: no resolver for :${p} (add it to PARAM_RESOLVERS or FIXED_PARAMS)`))).toEqual([]);
  });

  it('seeded both tenants in every table', async () => {
    const sums = await databaseChecksum(db.dataSource);
    const empty = Object.entries(sums).filter(([, v]) => v.startsWith('0:')).map(([t]) => t);
    expect(empty).toEqual([]);
  });

  it('refuses every non-public route without credentials, and with the wrong kind of credentials', async () => {
    const failures: string[] = [];
    for (const route of catalog.filter((r) => r.auth !== 'public')) {
      const [probe] = probesFor(route, tenantA, tenantB, doc);
      if (!probe) continue;
      const wrongKind = route.auth === 'tenant' ? `Bearer ${tenantA.users[0].token}` : `Bearer ${tenantA.apiKey}`;
      for (const headers of [{}, { authorization: wrongKind }, { authorization: 'Bearer nonsense' }] as Record<string, string>[]) {
        const res = await send({ ...probe, headers });
        if (res.statusCode !== 401 || res.json<{ type: string }>().type !== problemType('unauthorized')) {
          failures.push(`${route.method} ${route.path} with ${JSON.stringify(headers).slice(0, 40)}: ${res.statusCode}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers 404 to ids of another tenant or another user, and changes nothing', async () => {
    const routes = catalog.filter((r) => r.auth !== 'public' && r.params.length > 0);
    expect(routes.length).toBeGreaterThan(0);
    const before = await databaseChecksum(db.dataSource);
    const failures: string[] = [];
    let probed = 0;
    for (const route of routes) {
      for (const probe of probesFor(route, tenantA, tenantB, doc).filter((p) => p.foreign)) {
        probed += 1;
        const res = await send(probe);
        const type = res.headers['content-type']?.toString().startsWith('application/problem+json') ? res.json<{ type: string }>().type : undefined;
        if (res.statusCode !== 404 || type !== problemType('not-found')) failures.push(`${describeProbe(probe)}: ${res.statusCode} ${res.body.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(probed).toBeGreaterThanOrEqual(routes.length * 1);
    expect(await databaseChecksum(db.dataSource)).toEqual(before);
  });

  it('positive control: the same routes with the caller’s own ids are found', async () => {
    const routes = catalog
      .filter((r) => r.auth !== 'public' && r.params.length > 0)
      // Destructive routes last, so they do not remove what the others read.
      .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    const failures: string[] = [];
    for (const route of routes) {
      const [own] = probesFor(route, tenantA, tenantB, doc);
      if (!own) continue;
      const res = await send(own);
      if (res.statusCode === 404 || res.statusCode >= 500) failures.push(`${describeProbe(own)}: ${res.statusCode} ${res.body.slice(0, 160)}`);
    }
    expect(failures).toEqual([]);
  });
});
