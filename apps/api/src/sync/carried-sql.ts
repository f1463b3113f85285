import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-sql';

/** A statement and its parameters ($1..$n of its own). */
export interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/**
 * The combined texts, by their parts: a bounded set (the engine's statements), each prepared once
 * per connection. A trie looked up part by part — the main text, then each carried statement's
 * text and parameter count — so a call hashes strings V8 has already hashed (the texts are the
 * engine's constants) instead of building and hashing a key the length of all its texts.
 */
interface Combined {
  text?: string;
  readonly next: Map<string, Map<number, Combined>>;
}
const combined = new Map<string, Combined>();

/** The trie's node for `main` carrying `carried`, made on first use. */
function combinedNode(main: Statement, carried: readonly Statement[]): Combined {
  let node: Combined | undefined = combined.get(main.text);
  if (node === undefined) {
    node = { next: new Map() };
    combined.set(main.text, node);
  }
  for (const c of carried) {
    let byCount: Map<number, Combined> | undefined = node.next.get(c.text);
    if (byCount === undefined) {
      byCount = new Map();
      node.next.set(c.text, byCount);
    }
    let child: Combined | undefined = byCount.get(c.values.length);
    if (child === undefined) {
      child = { next: new Map() };
      byCount.set(c.values.length, child);
    }
    node = child;
  }
  return node;
}

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
  const node = combinedNode(main, carried);
  let text = node.text;
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
    node.text = text;
  }
  // A plain loop: flatMap and two spreads cost about ten times as much (the profile's other half of this function).
  const values: unknown[] = [];
  for (const c of carried) for (const v of c.values) values.push(v);
  for (const v of main.values) values.push(v);
  return { text, values };
}

/** Writes `statements` as one ({@link withCarried}: the last one carries the others, in order); nothing for none. */
export async function writeTogether(manager: EntityManager, statements: readonly Statement[]): Promise<void> {
  const last = statements.at(-1);
  if (!last) return;
  const statement = withCarried(last, statements.slice(0, -1));
  await preparedQuery(manager, statement.text, statement.values);
}
