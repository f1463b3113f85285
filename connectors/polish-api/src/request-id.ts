import { randomBytes } from 'node:crypto';

// 100-ns intervals between the Gregorian reform (1582-10-15) and the Unix epoch.
const GREGORIAN_OFFSET = 0x01b21dd213814000n;

/**
 * Generates the UUIDs of X-REQUEST-ID / `requestHeader.requestId`: the spec asks for RFC 4122
 * variant 1, version 1 (time-based). The node id is random with the multicast bit set (RFC
 * 4122 §4.5: no MAC address leaks); a counter orders ids made within one millisecond.
 */
export function createRequestIdGenerator(now: () => number = Date.now): () => string {
  const node = randomBytes(6);
  node[0] = (node[0] ?? 0) | 0x01;
  let clockSeq = randomBytes(2).readUInt16BE(0) & 0x3fff;
  let lastMs = -1;
  let ticks = 0;
  return () => {
    const ms = now();
    if (ms === lastMs) {
      ticks += 1;
      if (ticks >= 10_000) {
        // More than 10 000 ids in one millisecond: change the clock sequence instead.
        clockSeq = (clockSeq + 1) & 0x3fff;
        ticks = 0;
      }
    } else {
      if (ms < lastMs) clockSeq = (clockSeq + 1) & 0x3fff; // the clock went back (RFC 4122 §4.1.5)
      lastMs = ms;
      ticks = 0;
    }
    const t = BigInt(ms) * 10_000n + GREGORIAN_OFFSET + BigInt(ticks);
    const timeLow = Number(t & 0xffffffffn);
    const timeMid = Number((t >> 32n) & 0xffffn);
    const timeHi = Number((t >> 48n) & 0x0fffn) | 0x1000;
    const seq = clockSeq | 0x8000;
    const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
    return `${hex(timeLow, 8)}-${hex(timeMid, 4)}-${hex(timeHi, 4)}-${hex(seq, 4)}-${node.toString('hex')}`;
  };
}
