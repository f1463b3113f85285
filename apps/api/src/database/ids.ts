import { randomUUID } from 'node:crypto';

/**
 * A new UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids of
 * rows written together sort together, which keeps B-tree inserts local on big tables.
 *
 * The random bits are those of a version-4 UUID from `crypto.randomUUID()`, which draws on
 * Node's pooled entropy (one `randomBytes(16)` per id cost ~8 µs, a page of 200 rows 1.6 ms):
 * its time fields are replaced by the milliseconds and its version nibble by 7; the variant
 * bits are already RFC 9562's.
 */
export function newId(nowMs: number = Date.now()): string {
  return timePrefix(nowMs) + randomUUID().slice(15);
}

/**
 * {@link newId} for many ids of one instant (a page of transactions: one per row): the time
 * fields are written once, each id costs its random part only (~0.24 µs instead of ~0.5).
 */
export function idsAt(nowMs: number): () => string {
  const prefix = timePrefix(nowMs);
  return () => prefix + randomUUID().slice(15);
}

/** The 48-bit milliseconds and the version nibble of a UUIDv7: `tttttttt-tttt-7`. */
function timePrefix(nowMs: number): string {
  const ms = nowMs.toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7`;
}

/** Whether a string is a UUID in canonical text form (any version). */
export const isUuid = (s: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
