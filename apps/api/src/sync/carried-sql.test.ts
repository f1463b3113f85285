import { describe, expect, it } from '@jest/globals';
import { withCarried } from './carried-sql';

describe('withCarried', () => {
  it('writes the carried statements as CTEs before the main one, their parameters first and each renumbered after the previous', () => {
    const s = withCarried({ text: 'UPDATE c SET x = $2 WHERE id = $1', values: ['c1', 7] }, [
      { text: 'INSERT INTO a (id, v) VALUES ($1, $2)', values: ['a1', 1] },
      { text: 'UPDATE b SET v = $3 WHERE id = $1 AND t = $2', values: ['b1', 't', 2] },
    ]);
    expect(s.text).toBe('WITH carried_1 AS (INSERT INTO a (id, v) VALUES ($1, $2)),\n     carried_2 AS (UPDATE b SET v = $5 WHERE id = $3 AND t = $4)\nUPDATE c SET x = $7 WHERE id = $6');
    expect(s.values).toEqual(['a1', 1, 'b1', 't', 2, 'c1', 7]);
  });

  it('joins a main statement\'s own WITH list after the carried CTEs, and renumbers two-digit parameters whole', () => {
    const main = { text: 'WITH v AS (SELECT * FROM unnest($10::int[]) AS v(n)) SELECT $1, n FROM v', values: Array.from({ length: 10 }, (_, i) => i) };
    const s = withCarried(main, [{ text: 'DELETE FROM a WHERE id = $1', values: ['x'] }]);
    expect(s.text).toBe('WITH carried_1 AS (DELETE FROM a WHERE id = $1),\n     v AS (SELECT * FROM unnest($11::int[]) AS v(n)) SELECT $2, n FROM v');
    expect(s.values).toEqual(['x', ...main.values]);
  });

  it('keeps one text per main statement, carried texts and their parameter counts: a repeat gets the same, any other part its own', () => {
    const main = { text: 'UPDATE m SET v = $1', values: [1] };
    const a = { text: 'DELETE FROM a WHERE id = $1', values: ['a'] };
    const b = { text: 'DELETE FROM b WHERE id = $1', values: ['b'] };
    const first = withCarried(main, [a, b]);
    expect(withCarried(main, [a, b])).toEqual(first);
    // The same texts with another parameter count: the main statement's parameters move.
    expect(withCarried(main, [{ ...a, values: ['a', 'x'] }, b]).text).toBe('WITH carried_1 AS (DELETE FROM a WHERE id = $1),\n     carried_2 AS (DELETE FROM b WHERE id = $3)\nUPDATE m SET v = $4');
    // A prefix of the list, another order, another main statement.
    expect(withCarried(main, [a]).text).toBe('WITH carried_1 AS (DELETE FROM a WHERE id = $1)\nUPDATE m SET v = $2');
    expect(withCarried(main, [b, a]).text).toBe('WITH carried_1 AS (DELETE FROM b WHERE id = $1),\n     carried_2 AS (DELETE FROM a WHERE id = $2)\nUPDATE m SET v = $3');
    expect(withCarried({ text: 'UPDATE n SET v = $1', values: [1] }, [a, b]).text).toBe('WITH carried_1 AS (DELETE FROM a WHERE id = $1),\n     carried_2 AS (DELETE FROM b WHERE id = $2)\nUPDATE n SET v = $3');
    expect(withCarried(main, [a, b]).text).toBe('WITH carried_1 AS (DELETE FROM a WHERE id = $1),\n     carried_2 AS (DELETE FROM b WHERE id = $2)\nUPDATE m SET v = $3');
  });

  it('returns the main statement as it is when nothing is carried', () => {
    const main = { text: 'SELECT $1', values: [1] };
    expect(withCarried(main, [])).toBe(main);
  });
});
