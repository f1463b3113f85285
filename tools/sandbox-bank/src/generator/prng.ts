/**
 * Deterministic pseudo-random numbers. Every stream is keyed by a hash of its parts
 * (seed, account, day…), so any part of the data can be regenerated on its own, in any
 * order, and always comes out the same.
 */

// Hot loops use local copies: global lookups are slow inside vm contexts (e.g. jest).
const imul = Math.imul;
const floor = Math.floor;
const min = Math.min;

/** A 32-bit hash of the parts (FNV-1a over their text, then a murmur3 finaliser). */
export function hash32(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = String(part);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = imul(h, 0x01000193);
    }
    h ^= 0x1f; // separator, so ("ab","c") and ("a","bc") differ
    h = imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) derived from the parts alone (no stream state). */
export function unit(...parts: ReadonlyArray<string | number>): number {
  return hash32(...parts) / 4_294_967_296;
}

/** mulberry32: small, fast, good enough for test data (not for secrets). */
export class Prng {
  private state: number;

  /** Starts a stream from a 32-bit seed (use {@link hash32} to derive one). */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + floor(this.next() * (hi - lo + 1));
  }
}

/** Picks an element by a uniform number `u` in [0, 1). */
export function pickBy<T>(items: readonly T[], u: number): T {
  const item = items[min(items.length - 1, floor(u * items.length))];
  if (item === undefined) throw new Error('pickBy: empty list');
  return item;
}
