import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { type SeededTenant, seedTenant } from '../../test/support/fixtures';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { newId } from '../database/ids';
import { Transaction } from './transaction.entity';

interface Item {
  id: string;
  bankTransactionId: string;
  kind: string;
  transactionDate: string;
  amount: { amountMinor: string; currency: string; amount: string };
  balanceAfter: { amountMinor: string; currency: string; amount: string } | null;
}
interface Page {
  items: Item[];
  nextCursor: string | null;
  limit: number;
}

// Keyset pagination of GET /api/v2/accounts/{accountId}/transactions over real PostgreSQL.
describe('transactions of an account', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let tenant: SeededTenant;
  let auth: { authorization: string };
  let accountId: string;
  let seeded: Set<string>;
  let counter = 0;

  const day = (i: number): string => new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
  const row = (date: string, kind = 'booked', amountMinor: bigint = BigInt(-100 * (counter + 1))) => {
    const [user] = tenant.users;
    return {
      id: newId(),
      tenantId: user.tenantId,
      userId: user.userId,
      accountId,
      bankTransactionId: `bulk-${++counter}`,
      kind,
      transactionDate: date,
      listedDate: date,
      bookingDate: null,
      amountMinor,
      currencyCode: 'JPY',
      description: `item ${counter}`,
      // The bank's order within the day: spread over negatives and positives, ties included.
      bankOrder: BigInt((counter * 7) % 13) - 6n,
      balanceAfterMinor: 5_000_000_000_000n + BigInt(counter),
      bankReference: null,
      linkedBookedId: null,
      flags: [],
      lastFetchedAt: new Date(),
    };
  };
  const orderOf = new Map<string, bigint>();
  const insert = (rows: ReturnType<typeof row>[]) => {
    for (const r of rows) orderOf.set(r.id, r.bankOrder);
    return app.get(DataSource).getRepository(Transaction).insert(rows);
  };
  const get = async (query: string) => app.inject({ method: 'GET', url: `/api/v2/accounts/${accountId}/transactions${query}`, headers: auth });
  const walk = async (query: string, between?: (page: number) => Promise<void>): Promise<{ pages: Page[]; items: Item[] }> => {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const sep = query.includes('?') ? '&' : '?';
      const res = await get(`${query}${cursor ? `${sep}cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json<Page>();
      pages.push(page);
      cursor = page.nextCursor;
      if (between) await between(pages.length);
    } while (cursor !== null);
    return { pages, items: pages.flatMap((p) => p.items) };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db);
    tenant = await seedTenant(app, 'paging');
    const [user] = tenant.users;
    auth = { authorization: `Bearer ${user.token}` };
    accountId = user.accountId;
    // 1,000 rows over 200 days, several per day, so many ties on the date.
    await insert(Array.from({ length: 1000 }, (_, i) => row(day(i % 200), i % 10 === 0 ? 'pending' : 'booked')));
    // The fixture's pending row that its booked one replaced (linked) is listed only on request.
    const all = await app.get(DataSource).query(`SELECT id FROM transactions WHERE account_id = $1 AND linked_booked_id IS NULL`, [accountId]);
    seeded = new Set((all as Array<{ id: string }>).map((r) => r.id));
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('walks every transaction exactly once, newest first, in bounded pages', async () => {
    const { pages, items } = await walk('?limit=77');
    expect(items.map((i) => i.id).sort()).toEqual([...seeded].sort());
    expect(pages.every((p) => p.items.length <= 77 && p.limit === 77)).toBe(true);
    expect(pages.slice(0, -1).every((p) => p.items.length === 77)).toBe(true);
    // By date, then the bank's order within the day (latest first), then id.
    for (let i = 1; i < items.length; i += 1) {
      const [a, b] = [items[i - 1] as Item, items[i] as Item];
      const [oa, ob] = [orderOf.get(a.id) ?? 0n, orderOf.get(b.id) ?? 0n];
      expect(a.transactionDate > b.transactionDate || (a.transactionDate === b.transactionDate && (oa > ob || (oa === ob && a.id > b.id)))).toBe(true);
    }
  });

  it('lists a pending row its booked transaction replaced only with includeSuperseded=true, linked to it', async () => {
    const linked = (await app.get(DataSource).query(`SELECT id, linked_booked_id FROM transactions WHERE account_id = $1 AND linked_booked_id IS NOT NULL`, [accountId])) as Array<{
      id: string;
      linked_booked_id: string;
    }>;
    expect(linked).toHaveLength(1);
    const { items } = await walk('?includeSuperseded=true&limit=500');
    expect(items.filter((i) => i.id === linked[0]?.id).map((i) => (i as unknown as { linkedBookedId: string }).linkedBookedId)).toEqual([linked[0]?.linked_booked_id]);
    expect(items).toHaveLength(seeded.size + 1);
    expect((await get('?includeSuperseded=maybe')).statusCode).toBe(400);
  });

  it('shows how a superseded row was linked (linkEvidence), and the OpenAPI document describes it with its enums', async () => {
    const [linked] = (await app.get(DataSource).query(`SELECT id FROM transactions WHERE account_id = $1 AND linked_booked_id IS NOT NULL`, [accountId])) as Array<{ id: string }>;
    const evidence = { method: 'amountDateDescription', dateDifferenceDays: 1, amountDifferenceMinor: '0', description: 'similar', candidates: 2 };
    await app.get(DataSource).query(`UPDATE transactions SET link_evidence = $2::jsonb WHERE id = $1`, [linked?.id, JSON.stringify(evidence)]);
    const { items } = await walk('?includeSuperseded=true&kind=pending&limit=500');
    const shown = items as unknown as Array<{ id: string; linkEvidence: unknown }>;
    expect(shown.find((i) => i.id === linked?.id)?.linkEvidence).toEqual(evidence);
    expect(shown.filter((i) => i.id !== linked?.id).every((i) => i.linkEvidence === null)).toBe(true);
    // Evidence without a link is refused by the table itself.
    await expect(app.get(DataSource).query(`UPDATE transactions SET link_evidence = $2::jsonb WHERE id = $1`, [shown.find((i) => i.id !== linked?.id)?.id, JSON.stringify(evidence)])).rejects.toThrow(
      /ck_transactions_link_evidence/,
    );

    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> } }>();
    const view = doc.components.schemas['TransactionView']?.properties['linkEvidence'];
    expect(JSON.stringify(view)).toContain('#/components/schemas/LinkEvidenceView');
    const props = doc.components.schemas['LinkEvidenceView']?.properties;
    expect(props?.['method']?.['enum']).toEqual(['bankReference', 'amountDateDescription']);
    expect(props?.['description']?.['enum']).toEqual(['same', 'similar', 'different']);
    expect(Object.keys(props ?? {}).sort()).toEqual(['amountDifferenceMinor', 'candidates', 'dateDifferenceDays', 'description', 'method']);
  });

  it('uses 100 by default and refuses pages over 500, naming the field', async () => {
    expect((await get('')).json<Page>().items).toHaveLength(100);
    expect((await get('?limit=500')).json<Page>().items).toHaveLength(500);
    for (const bad of ['?limit=501', '?limit=0', '?limit=ten']) {
      const res = await get(bad);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json<{ errors: Array<{ field: string }> }>().errors.map((e) => e.field)).toEqual(['limit']);
    }
  });

  it('stays exact while rows are inserted between pages (before, inside and after the walked part)', async () => {
    const inserted = new Set<string>();
    const { items } = await walk('?limit=50', async (page) => {
      if (page > 6) return;
      // Newer than everything, on a tie date in the middle, and older than everything.
      const fresh = [row('2026-01-01'), row(day(100)), row(day(100)), row('2024-01-01')];
      fresh.forEach((r) => inserted.add(r.id));
      await insert(fresh);
    });
    const ids = items.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length); // no duplicate
    expect([...seeded].filter((id) => !ids.includes(id))).toEqual([]); // no gap among the rows that existed
    expect(ids.filter((id) => !seeded.has(id)).every((id) => inserted.has(id))).toBe(true);
    // Rows older than the cursor's position are reached; newer ones are for the next walk.
    expect(items.some((i) => i.transactionDate === '2024-01-01')).toBe(true);
    expect(items.some((i) => i.transactionDate === '2026-01-01')).toBe(false);
    // Date, then the bank's order within the day (shifted to sort as text), then id.
    const ordered = items.map((i) => `${i.transactionDate}|${String((orderOf.get(i.id) ?? 0n) + 1000n).padStart(5, '0')}|${i.id}`);
    expect(ordered).toEqual([...ordered].sort().reverse());
  });

  it('filters by date range (inclusive) and kind, and pages within the filter', async () => {
    const { items } = await walk(`?from=${day(10)}&to=${day(19)}&kind=pending&limit=3`);
    const expected = (await app.get(DataSource).query(
      `SELECT id FROM transactions WHERE account_id = $1 AND kind = 'pending' AND transaction_date BETWEEN $2 AND $3`,
      [accountId, day(10), day(19)],
    )) as Array<{ id: string }>;
    expect(items.length).toBeGreaterThan(3);
    expect(items.map((i) => i.id).sort()).toEqual(expected.map((r) => r.id).sort());
    expect(items.every((i) => i.kind === 'pending' && i.transactionDate >= day(10) && i.transactionDate <= day(19))).toBe(true);
  });

  it('gives amounts as exact strings of minor units with the currency and a decimal string', async () => {
    const [big] = [row('2030-01-01', 'booked', -9_007_199_254_740_993n)];
    await insert([big]);
    const [first] = (await get('?limit=1')).json<Page>().items;
    expect(first?.amount).toEqual({ amountMinor: '-9007199254740993', currency: 'JPY', amount: '-9007199254740993' });
    expect(first?.balanceAfter).toEqual({ amountMinor: big?.balanceAfterMinor.toString(), currency: 'JPY', amount: big?.balanceAfterMinor.toString() });
  });

  it('refuses a cursor it did not issue, a reversed range and unknown parameters; another user’s account is not found', async () => {
    const bad = await get('?cursor=not-a-cursor');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: unknown[] }>().errors).toEqual([{ field: 'cursor', reason: 'cursor is not a nextCursor this API returned' }]);
    const reversed = await get(`?from=${day(20)}&to=${day(10)}`);
    expect(reversed.json<{ errors: unknown[] }>().errors).toEqual([{ field: 'from', reason: 'from must not be after to' }]);
    const notADate = await get('?from=2025-02-30');
    expect(notADate.json<{ errors: Array<{ field: string }> }>().errors.map((e) => e.field)).toEqual(['from']);
    const unknown = await get('?sort=asc');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<{ errors: Array<{ field: string; reason: string }> }>().errors).toEqual([{ field: 'sort', reason: 'sort is not a known field' }]);
    const foreign = await app.inject({ method: 'GET', url: `/api/v2/accounts/${tenant.users[1].accountId}/transactions`, headers: auth });
    expect(foreign.statusCode).toBe(404);
  });
});
