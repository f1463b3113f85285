import { describe, expect, it } from '@jest/globals';
import { statementNamer } from '../../src/database/prepared-sql';

// A statement's name is stable per text; a namer with a limit names its first `limit` distinct
// texts only (pg-boss's statements: preparedBossDb runs the others unnamed).
describe('statementNamer', () => {
  it('gives each distinct text one stable name', () => {
    const name = statementNamer('t');
    expect([name('SELECT 1'), name('SELECT 2'), name('SELECT 1')]).toEqual(['t_1', 't_2', 't_1']);
  });

  it('with a limit: the first texts keep their names, a text beyond it gets none', () => {
    const name = statementNamer('t', 2);
    expect([name('a'), name('b'), name('c'), name('a'), name('b'), name('c')]).toEqual(['t_1', 't_2', undefined, 't_1', 't_2', undefined]);
  });
});
