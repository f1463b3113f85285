/**
 * The API-load floor: a bare `node:http` + `pg` server that answers each configured path by
 * running exactly the statements the app ran for it (captured from PostgreSQL's statement
 * log), with the same bound values, on one pooled connection, and returning the last
 * statement's rows as JSON. No framework, no auth, no validation, no mapping.
 *
 * Run as a child process: `node bare-server.js <config.json>`; prints
 * `BARE-LISTENING http://127.0.0.1:<port>` once it listens.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { Pool } from 'pg';
import type { CapturedStatement } from './env/postgres';

/** The bare server's configuration file. */
export interface BareServerConfig {
  readonly databaseUrl: string;
  /** Pool size (the app's: 10). */
  readonly poolSize: number;
  /** Request path (with query) → the statements to run, in order. */
  readonly routes: Readonly<Record<string, readonly CapturedStatement[]>>;
}

/** Starts the bare server on a free loopback port; resolves with the server and its URL. */
export async function startBareServer(config: BareServerConfig): Promise<{ server: http.Server; url: string; pool: Pool }> {
  const pool = new Pool({ connectionString: config.databaseUrl, max: config.poolSize, application_name: 'kinko-bench-bare' });
  const server = http.createServer((req, res) => {
    const statements = config.routes[req.url ?? ''];
    if (!statements) {
      res.writeHead(404).end();
      return;
    }
    void (async () => {
      const client = await pool.connect();
      try {
        let rows: unknown[] = [];
        for (const s of statements) rows = (await client.query(s.sql, [...s.parameters])).rows;
        const body = JSON.stringify({ items: rows });
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
      } finally {
        client.release();
      }
    })().catch((e: unknown) => {
      res.writeHead(500).end(e instanceof Error ? e.message : String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, url: `http://127.0.0.1:${port}`, pool };
}

if (require.main === module) {
  const config = JSON.parse(fs.readFileSync(process.argv[2] ?? '', 'utf8')) as BareServerConfig;
  startBareServer(config).then(
    ({ server, url, pool }) => {
      process.stdout.write(`BARE-LISTENING ${url}\n`);
      process.once('SIGTERM', () => {
        server.close();
        void pool.end().finally(() => process.exit(0));
      });
    },
    (e: unknown) => {
      process.stderr.write(`bare server: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
