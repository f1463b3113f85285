import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { API_DATE_RANGE } from '../../src/http/calendar-date';
import { decodeCursor, encodeCursor } from '../../src/transactions/transactions.service';
import { answerOf, createEdgeHarness, type EdgeHarness, expectProblem, type Operation } from './harness';

// Issue 21 item 7: year 0000 in from/to/cursor dates and NUL bytes in strings or path
// parameters reached PostgreSQL and answered 500. They are refused at the edge: 400.

describe('bad values never reach PostgreSQL', () => {
  let h: EdgeHarness;
  let userAuth: Record<string, string>;
  let tenantAuth: Record<string, string>;

  beforeAll(async () => {
    h = await createEdgeHarness();
    userAuth = { authorization: `Bearer ${h.user.token}` };
    tenantAuth = { authorization: `Bearer ${h.apiKey}` };
  });
  afterAll(async () => {
    await h?.close();
  });

  const get = (url: string, headers: Record<string, string>) => h.app.inject({ method: 'GET', url, headers });

  it('from/to dates outside 1900-01-01..9999-12-31 (year 0000) are validation problems on transactions and balances', async () => {
    for (const list of ['transactions', 'balances']) {
      const url = `/api/v2/accounts/${h.user.accountId}/${list}`;
      for (const [query, field] of [
        ['from=0000-01-01', 'from'],
        ['to=0000-12-31', 'to'],
        ['from=0000-01-01&to=0000-02-01', 'from'],
        ['from=1899-12-31', 'from'],
      ] as const) {
        const problem = expectProblem(answerOf(await get(`${url}?${query}`, userAuth)), 'validation');
        expect(problem.errors?.map((e) => e.field)).toContain(field);
        expect(problem.errors?.find((e) => e.field === field)?.reason).toContain(API_DATE_RANGE.min);
      }
    }
  });

  it('the edges of the range are accepted', async () => {
    const tx = await get(`/api/v2/accounts/${h.user.accountId}/transactions?from=${API_DATE_RANGE.min}&to=${API_DATE_RANGE.max}`, userAuth);
    expect(tx.statusCode).toBe(200);
    expect(tx.json<{ items: unknown[] }>().items.length).toBeGreaterThan(0);
    const balances = await get(`/api/v2/accounts/${h.user.accountId}/balances?from=2026-01-01&to=2026-12-31`, userAuth);
    expect(balances.statusCode).toBe(200);
  });

  it('a cursor whose date is year 0000 is a 400 problem about the cursor', async () => {
    const url = `/api/v2/accounts/${h.user.accountId}/transactions?includeSuperseded=true&limit=1`;
    const first = await get(url, userAuth);
    const nextCursor = first.json<{ nextCursor: string | null }>().nextCursor;
    expect(nextCursor).not.toBeNull();
    // The same position as a real cursor, at another date.
    const at = (date: string): string => encodeCursor({ ...decodeCursor(nextCursor as string), date });
    const res = await get(`${url}&cursor=${at('0000-01-01')}`, userAuth);
    // A 400 problem about the cursor (whichever kind the cursor rules answer with), not a failed query.
    expect(res.statusCode).toBe(400);
    const problem = expectProblem(answerOf(res));
    expect(problem.errors?.map((e) => e.field) ?? ['cursor']).toEqual(['cursor']);
    expect((await get(`${url}&cursor=${at('2100-01-01')}`, userAuth)).statusCode).toBe(200);
  });

  it('a NUL in a JSON body string (or key) is a validation problem naming the field', async () => {
    const url = '/api/v2/tenant/users';
    const headers = { ...tenantAuth, 'content-type': 'application/json' };
    const inValue = await h.app.inject({ method: 'POST', url, headers, payload: '{"externalId":"a\\u0000b"}' });
    expect(expectProblem(answerOf(inValue), 'validation').errors).toEqual([{ field: 'externalId', reason: 'externalId must not contain NUL characters' }]);
    const inKey = await h.app.inject({ method: 'POST', url, headers, payload: '{"externalId":"fine","x\\u0000":1}' });
    expect(expectProblem(answerOf(inKey), 'validation').errors?.[0]?.reason).toContain('NUL');
    const credentials = await h.app.inject({
      method: 'PUT',
      url: `/api/v2/connections/${h.user.connectionId}/credentials`,
      headers: { ...userAuth, 'content-type': 'application/json' },
      payload: '{"fields":{"username":"u\\u0000"}}',
    });
    expect(expectProblem(answerOf(credentials), 'validation').errors?.[0]?.field).toBe('fields.username');
    // An escaped backslash before "u0000" is text, not a NUL.
    const text = await h.app.inject({ method: 'POST', url, headers, payload: '{"externalId":"a\\\\u0000b"}' });
    expect(text.statusCode).toBe(201);
  });

  it('a NUL in a form body (Link pages) is a validation problem', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: `/link/banks/${encodeURIComponent('seed-bank')}/credentials`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=a%00b',
    });
    expect(expectProblem(answerOf(res), 'validation').errors?.[0]?.field).toBe('username');
  });

  it('a NUL in any path parameter of any operation is a validation problem naming it', async () => {
    const withParams = h.operations.filter((o: Operation) => o.pathParams.length > 0);
    expect(withParams.length).toBeGreaterThan(10);
    for (const operation of withParams) {
      for (const param of operation.pathParams) {
        const res = await h.app.inject({
          method: operation.method as 'GET',
          url: h.pathOf(operation, { [param]: 'a%00b' }),
          headers: { ...h.authFor(operation), ...(operation.hasBody ? { 'content-type': 'application/json' } : {}) },
          ...(operation.hasBody ? { payload: '{}' } : {}),
        });
        const problem = expectProblem(answerOf(res), 'validation');
        expect([operation.path, problem.errors]).toEqual([operation.path, [{ field: param, reason: `${param} must not contain NUL characters` }]]);
      }
    }
    // idValue is looked up in the database for these id types.
    for (const idType of ['iban', 'bankCode', 'accountId']) {
      const res = await h.app.inject({ method: 'POST', url: `/api/v2/bank/${idType}/DE89%0037/sync`, headers: { ...userAuth, 'content-type': 'application/json' }, payload: '{}' });
      expect(expectProblem(answerOf(res), 'validation').errors?.[0]?.field).toBe('idValue');
    }
  });

  it('a NUL in a query value (or name) is a validation problem', async () => {
    for (const url of [
      `/api/v2/accounts/${h.user.accountId}/transactions?cursor=abc%00`,
      `/api/v2/accounts/${h.user.accountId}/transactions?kind=booked%00`,
      `/api/v2/connections?lang=ja%00`,
      `/api/v2/connections?la%00ng=ja`,
    ]) {
      const res = await get(url, userAuth);
      expect(expectProblem(answerOf(res), 'validation').errors?.[0]?.reason).toContain('must not contain NUL characters');
    }
    const users = await get('/api/v2/tenant/users?after=%00', tenantAuth);
    expect(expectProblem(answerOf(users), 'validation').errors).toEqual([{ field: 'after', reason: 'after must not contain NUL characters' }]);
  });
});
