import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isUuid, newId } from './ids';

const millisOf = (id: string): number => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('newId', () => {
  it('is a version-7, RFC 9562 variant UUID carrying the given milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (ms) => {
        const id = newId(ms);
        expect(isUuid(id)).toBe(true);
        expect(id[14]).toBe('7');
        expect('89ab').toContain(id[19]);
        expect(millisOf(id)).toBe(ms);
      }),
      { numRuns: 1_000 },
    );
  });

  it('sorts by time across milliseconds, and never repeats', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => newId(1_795_000_000_000 + Math.floor(i / 100)));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 100; i < ids.length; i += 100) expect((ids[i - 1] as string) < (ids[i] as string)).toBe(true);
  });
});
