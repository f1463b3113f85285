import fc from 'fast-check';
import { polishPlural, relativeSuccessLabel } from '../src';

const succeededAt = new Date('2024-03-01T10:00:00Z');
const after = (ms: number) => new Date(succeededAt.getTime() + ms);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('relative success label', () => {
  it.each([
    [0, 'ただ今更新されました', 'Updated just now', 'Zaktualizowano przed chwilą'],
    [59_999, 'ただ今更新されました', 'Updated just now', 'Zaktualizowano przed chwilą'],
    [-5 * MIN, 'ただ今更新されました', 'Updated just now', 'Zaktualizowano przed chwilą'], // clock skew
    [1 * MIN, '1分前に更新されました', 'Updated 1 minute ago', 'Zaktualizowano 1 minutę temu'],
    [2 * MIN, '2分前に更新されました', 'Updated 2 minutes ago', 'Zaktualizowano 2 minuty temu'],
    [3 * MIN + 59_000, '3分前に更新されました', 'Updated 3 minutes ago', 'Zaktualizowano 3 minuty temu'],
    [5 * MIN, '5分前に更新されました', 'Updated 5 minutes ago', 'Zaktualizowano 5 minut temu'],
    [12 * MIN, '12分前に更新されました', 'Updated 12 minutes ago', 'Zaktualizowano 12 minut temu'],
    [22 * MIN, '22分前に更新されました', 'Updated 22 minutes ago', 'Zaktualizowano 22 minuty temu'],
    [59 * MIN + 59_999, '59分前に更新されました', 'Updated 59 minutes ago', 'Zaktualizowano 59 minut temu'],
    [1 * HOUR, '1時間前に更新されました', 'Updated 1 hour ago', 'Zaktualizowano 1 godzinę temu'],
    [3 * HOUR, '3時間前に更新されました', 'Updated 3 hours ago', 'Zaktualizowano 3 godziny temu'],
    [5 * HOUR, '5時間前に更新されました', 'Updated 5 hours ago', 'Zaktualizowano 5 godzin temu'],
    [23 * HOUR + 59 * MIN, '23時間前に更新されました', 'Updated 23 hours ago', 'Zaktualizowano 23 godziny temu'],
    [1 * DAY, '1日前に更新されました', 'Updated 1 day ago', 'Zaktualizowano 1 dzień temu'],
    [3 * DAY, '3日前に更新されました', 'Updated 3 days ago', 'Zaktualizowano 3 dni temu'],
    [25 * DAY, '25日前に更新されました', 'Updated 25 days ago', 'Zaktualizowano 25 dni temu'],
  ])('after %d ms: %s / %s / %s', (elapsed, ja, en, pl) => {
    expect(relativeSuccessLabel(succeededAt, after(elapsed), 'ja')).toBe(ja);
    expect(relativeSuccessLabel(succeededAt, after(elapsed), 'en')).toBe(en);
    expect(relativeSuccessLabel(succeededAt, after(elapsed), 'pl')).toBe(pl);
  });
});

describe('Polish plural forms', () => {
  it.each([
    [1, 'one'],
    [2, 'few'],
    [4, 'few'],
    [5, 'many'],
    [11, 'many'],
    [12, 'many'],
    [14, 'many'],
    [21, 'many'],
    [22, 'few'],
    [24, 'few'],
    [104, 'few'],
    [112, 'many'],
    [0, 'many'],
  ] as const)('%d is %s', (n, form) => expect(polishPlural(n)).toBe(form));

  it('agree with the CLDR rules Intl ships for whole numbers (property)', () => {
    const cldr = new Intl.PluralRules('pl');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (n) => {
        expect(polishPlural(n)).toBe(cldr.select(n));
      }),
      { numRuns: 1000 },
    );
  });
});
