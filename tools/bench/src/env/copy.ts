import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/** The floor table: an identical copy of `transactions` (columns, defaults, constraints, indexes). */
export const COPY_TABLE = 'bench_copy_transactions';

/** Creates (or empties) the floor table. */
export async function prepareCopyTable(client: Client): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS ${COPY_TABLE} (LIKE transactions INCLUDING ALL)`);
  await client.query(`TRUNCATE ${COPY_TABLE}`);
}

/** Writes the rows of `transactions` (all, or those of `where`) to `file` in COPY text format; their count. */
export async function exportTransactions(client: Client, file: string, where = 'TRUE'): Promise<number> {
  await pipeline(client.query(copyTo(`COPY (SELECT * FROM transactions WHERE ${where}) TO STDOUT`)), fs.createWriteStream(file));
  const r = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM transactions WHERE ${where}`);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * The floor: a raw `COPY … FROM STDIN` of exactly the rows in `file` into the empty floor
 * table, after a CHECKPOINT (so neither side pays for the other's dirty pages). Wall time in ms.
 */
export async function timedCopy(client: Client, file: string): Promise<number> {
  await client.query(`TRUNCATE ${COPY_TABLE}`);
  await client.query('CHECKPOINT');
  const started = process.hrtime.bigint();
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), client.query(copyFrom(`COPY ${COPY_TABLE} FROM STDIN`)));
  return Number(process.hrtime.bigint() - started) / 1e6;
}
