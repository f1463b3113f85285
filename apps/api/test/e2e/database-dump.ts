import { Client } from 'pg';

/**
 * A complete data dump of a database as text: every row of every table in every schema
 * (pg-boss's queue included), each row in PostgreSQL's text form — what `pg_dump --data-only`
 * writes (bytea as `\x…` hex). Used where the PostgreSQL client's pg_dump is older than the
 * server and refuses to run; the embedded server ships no pg_dump.
 */
export async function dumpDatabase(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const tables = (
      await client.query<{ schema: string; name: string }>(
        `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
          WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
          ORDER BY 1, 2`,
      )
    ).rows;
    const parts: string[] = [];
    for (const t of tables) {
      const rows = (await client.query<{ row: string }>(`SELECT t::text AS row FROM "${t.schema}"."${t.name}" t`)).rows;
      parts.push(`-- ${t.schema}.${t.name}`, ...rows.map((r) => r.row));
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

/** The forms a secret could take in a dump: as is, as bytea hex, as base64. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [secret, bytes.toString('hex'), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url').replace(/=+$/, '')];
}
