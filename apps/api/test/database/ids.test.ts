import { idsAt, isUuid, newId } from '../../src/database/ids';

/** The Unix milliseconds a UUIDv7 carries in its first 48 bits. */
const msOf = (id: string): number => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

describe('UUIDv7 ids', () => {
  it('idsAt writes ids of its instant: version 7, RFC 9562 variant, the milliseconds, each one new', () => {
    const at = Date.UTC(2026, 11, 7, 15, 30, 45, 123);
    const next = idsAt(at);
    const ids = Array.from({ length: 1000 }, () => next());
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) {
      expect(isUuid(id)).toBe(true);
      expect(id[14]).toBe('7');
      expect('89ab').toContain(id[19]);
      expect(msOf(id)).toBe(at);
    }
  });

  it('newId writes the same form as idsAt for its instant', () => {
    const at = 1_795_000_000_000;
    const id = newId(at);
    expect(isUuid(id) && id[14] === '7' && '89ab'.includes(id[19] as string)).toBe(true);
    expect(msOf(id)).toBe(at);
    expect(idsAt(at)().slice(0, 15)).toBe(id.slice(0, 15));
    expect(msOf(newId(0))).toBe(0);
  });
});
