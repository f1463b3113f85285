import { describe, expect, it } from '@jest/globals';
import { parseDurationLog, parseStatementLog, serverTimeByStatement } from '../src/env/postgres';
import { minimumRequests } from '../src/scenarios/incremental';
import type { RequestLogEntry } from '@kinko/sandbox-bank';

describe('parseStatementLog', () => {
  const m = '@@bench-1234';
  it('keeps the statements of one application, multi-line, with their bound values', () => {
    const log = [
      `${m} kinko-api ${m} LOG:  execute <unnamed>: SELECT "a"."id"\n  FROM accounts "a" WHERE "a"."user_id" = $1 AND "a"."name" = $2\n`,
      `${m} kinko-api ${m} DETAIL:  Parameters: $1 = 'u-1', $2 = 'O''Brien'\n`,
      `${m} kinko-queue ${m} LOG:  execute <unnamed>: SELECT * FROM pgboss.job\n`,
      `${m} kinko-api ${m} LOG:  statement: COMMIT\n`,
      `${m} kinko-api ${m} LOG:  execute s1: SELECT $1::int, $2::text\n`,
      `${m} kinko-api ${m} DETAIL:  Parameters: $1 = '7', $2 = NULL\n`,
    ].join('');
    expect(parseStatementLog(log, m, 'kinko-api')).toEqual([
      { sql: 'SELECT "a"."id"\n  FROM accounts "a" WHERE "a"."user_id" = $1 AND "a"."name" = $2', parameters: ['u-1', "O'Brien"] },
      { sql: 'COMMIT', parameters: [] },
      { sql: 'SELECT $1::int, $2::text', parameters: ['7', null] },
    ]);
  });

  it('survives log chunks that split lines and ignores other messages', () => {
    const log = `${m} kinko-api ${m} LOG:  execute <unnamed>: SELECT 1 WHERE $1 = 'x, y'\n${m} kinko-api ${m} DETA` + `IL:  Parameters: $1 = 'a, b'\n${m} kinko-api ${m} LOG:  duration: 0.1 ms\n`;
    expect(parseStatementLog(log, m, 'kinko-api')).toEqual([{ sql: "SELECT 1 WHERE $1 = 'x, y'", parameters: ['a, b'] }]);
  });
});

describe('parseDurationLog / serverTimeByStatement', () => {
  const m = '@@bench-99';
  it('sums the parse, bind and execute time of each kind of statement, largest first', () => {
    const log = [
      `${m} drv ${m} LOG:  duration: 0.100 ms  parse <unnamed>: INSERT INTO transactions (a) SELECT 1\n`,
      `${m} drv ${m} LOG:  duration: 0.200 ms  bind <unnamed>: INSERT INTO transactions (a) SELECT 1\n`,
      `${m} drv ${m} LOG:  duration: 5.700 ms  execute <unnamed>: INSERT INTO transactions (a) SELECT 1\n`,
      `${m} drv ${m} LOG:  duration: 1.000 ms  execute <unnamed>: SELECT x FROM transactions WHERE y = $1\n`,
      `${m} drv ${m} DETAIL:  Parameters: $1 = 'z'\n`,
      `${m} drv ${m} LOG:  duration: 2.000 ms  statement: COMMIT\n`,
      `${m} other ${m} LOG:  duration: 99.000 ms  statement: VACUUM\n`,
    ].join('');
    const durations = parseDurationLog(log, m, 'drv');
    expect(durations).toHaveLength(5);
    expect(serverTimeByStatement(durations)).toEqual([
      { statement: 'INSERT transactions', ms: 6, count: 1 },
      { statement: 'COMMIT', ms: 2, count: 1 },
      { statement: 'SELECT transactions', ms: 1, count: 1 },
    ]);
  });
});

describe('minimumRequests', () => {
  const entry = (seq: number, operation: string, query: Record<string, string>): RequestLogEntry => ({ seq, at: '', bank: '0001', operation, method: 'GET', path: '/', query });
  it('counts the requests naming each account and the fewest pages each distinct window needs', () => {
    const entries = [
      entry(1, 'POST /auth/token', {}),
      entry(2, 'GET /accounts', {}),
      entry(3, 'GET /transactions', { account_id: 'A', start_date: '2026-01-01', end_date: '2026-01-05' }),
      entry(4, 'GET /transactions', { account_id: 'A', start_date: '2026-01-01', end_date: '2026-01-05', page: '2' }),
      entry(5, 'GET /balances', { account_id: 'A', start_date: '2026-01-01', end_date: '2026-01-05' }),
      entry(6, 'GET /transactions', { account_id: 'B', start_date: '2025-01-01', end_date: '2026-01-05' }),
      entry(7, 'GET /transactions', { account_id: 'B', start_date: '2025-01-01', end_date: '2026-01-05', page: '2' }),
    ];
    const counts: Record<string, number> = { A: 150, B: 201 };
    const result = minimumRequests(entries, (account) => counts[account] ?? 0, 200);
    // A: 150 items fit one page, yet two pages were asked for; balances: 5 days, one page.
    expect(result.get('A')).toEqual({ made: 3, minimum: 2 });
    // B: 201 items need two pages.
    expect(result.get('B')).toEqual({ made: 2, minimum: 2 });
    expect(result.has('undefined')).toBe(false);
  });
});
