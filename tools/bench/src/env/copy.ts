import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/** The floor table: an identical copy of `transactions` (columns, defaults, constraints, indexes). */
export const COPY_TABLE = 'bench_copy_transactions';

/**
 * Creates (or empties) the floor table. `LIKE … INCLUDING ALL` copies columns, defaults,
 * checks and indexes but no foreign keys, so those are added too (a reference to
 * `transactions` itself becomes one to the floor table): the COPY pays the same integrity
 * checks per row as the write path, or the floor would not be an identical table.
 */
export async function prepareCopyTable(client: Client): Promise<void> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [COPY_TABLE]);
  if (exists.rows[0]?.t == null) {
    await client.query(`CREATE TABLE ${COPY_TABLE} (LIKE transactions INCLUDING ALL)`);
    for (const fk of await foreignKeysOfTransactions(client)) {
      await client.query(`ALTER TABLE ${COPY_TABLE} ADD CONSTRAINT ${client.escapeIdentifier(`${fk.name}_floor`)} ${floorReference(fk.definition)}`);
    }
  }
  await client.query(`TRUNCATE ${COPY_TABLE}`);
}

/** The foreign keys of `transactions`, as `pg_get_constraintdef` writes them. */
export async function foreignKeysOfTransactions(client: Client): Promise<Array<{ name: string; definition: string }>> {
  const r = await client.query<{ name: string; definition: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = 'transactions'::regclass AND contype = 'f' ORDER BY conname`,
  );
  return r.rows;
}

/** A foreign key of `transactions` for the floor table: a self-reference points at the floor table itself. */
export const floorReference = (definition: string): string => definition.replace(/REFERENCES (?:public\.)?"?transactions"?\(/, `REFERENCES ${COPY_TABLE}(`);

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
