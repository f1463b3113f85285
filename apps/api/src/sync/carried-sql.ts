import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-sql';

/** A statement and its parameters ($1..$n of its own). */
export interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
}

// The combined texts, by their parts: a bounded set (the engine's statements), each prepared once per connection.
const combined = new Map<string, string>();

/** `text` with each `$k` parameter renumbered `$k + offset` (the engine's statements have no `$` elsewhere: no dollar quoting). */
const renumber = (text: string, offset: number): string => (offset === 0 ? text : text.replace(/\$(\d+)/g, (_, k: string) => `$${Number(k) + offset}`));

/**
 * `main` with the `carried` statements written in it as CTEs (`carried_1`, …), their parameters
 * first and `main`'s after them: one round trip where there were several, atomic as one
 * statement. Each carried statement must be a plain INSERT/UPDATE/DELETE (no WITH of its own:
 * PostgreSQL takes data-modifying CTEs at the top level only), must not write a row that another
 * part writes (one statement cannot change a row twice) and does not see the other parts'
 * changes (one snapshot): e.g. a session's stage move carried by its connection's status move.
 * `main` may start with its own WITH (its CTEs follow the carried ones).
 */
export function withCarried(main: Statement, carried: readonly Statement[]): Statement {
  if (carried.length === 0) return main;
  const key = `${carried.map((c) => `${c.values.length}\u0000${c.text}`).join('\u0001')}\u0002${main.text}`;
  let text = combined.get(key);
  if (text === undefined) {
    let offset = 0;
    const ctes = carried.map((c, i) => {
      const cte = `carried_${i + 1} AS (${renumber(c.text, offset)})`;
      offset += c.values.length;
      return cte;
    });
    const body = renumber(main.text, offset);
    const ownWith = /^\s*WITH\s+/i.exec(body);
    text = ownWith ? `WITH ${ctes.join(',\n     ')},\n     ${body.slice(ownWith[0].length)}` : `WITH ${ctes.join(',\n     ')}\n${body}`;
    combined.set(key, text);
  }
  return { text, values: [...carried.flatMap((c) => c.values), ...main.values] };
}

/** Writes `statements` as one ({@link withCarried}: the last one carries the others, in order); nothing for none. */
export async function writeTogether(manager: EntityManager, statements: readonly Statement[]): Promise<void> {
  const last = statements.at(-1);
  if (!last) return;
  const statement = withCarried(last, statements.slice(0, -1));
  await preparedQuery(manager, statement.text, statement.values);
}
