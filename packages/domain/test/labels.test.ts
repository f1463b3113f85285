import { pluralForm, relativeSuccessLabel } from '../src';

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

describe('plural forms through Intl.PluralRules', () => {
  const DAYS = { one: 'dzień', few: 'dni', many: 'dni', other: 'dnia' } as const;
  const MINUTES = { one: 'minuta', few: 'minuty', many: 'minut', other: 'minuty' } as const;
  it.each([
    [1, 'minuta', 'dzień'],
    [2, 'minuty', 'dni'],
    [4, 'minuty', 'dni'],
    [5, 'minut', 'dni'],
    [11, 'minut', 'dni'],
    [12, 'minut', 'dni'],
    [14, 'minut', 'dni'],
    [21, 'minut', 'dni'],
    [22, 'minuty', 'dni'],
    [24, 'minuty', 'dni'],
    [25, 'minut', 'dni'],
    [104, 'minuty', 'dni'],
    [112, 'minut', 'dni'],
    [0, 'minut', 'dni'],
  ] as const)('Polish %d: %s, %s', (n, minutes, days) => {
    expect(pluralForm('pl', n, MINUTES)).toBe(minutes);
    expect(pluralForm('pl', n, DAYS)).toBe(days);
  });

  it('English one/other; Japanese has one form; a category the entry leaves out falls back to other', () => {
    expect([1, 2, 5].map((n) => pluralForm('en', n, { one: 'day', other: 'days' }))).toEqual(['day', 'days', 'days']);
    expect([1, 2, 5].map((n) => pluralForm('ja', n, { one: '×', other: '日' }))).toEqual(['日', '日', '日']);
    expect(pluralForm('pl', 5, { one: 'dzień', other: 'dni' })).toBe('dni');
  });

  it.each([
    [1, '1分前に更新されました', 'Updated 1 minute ago', 'Zaktualizowano 1 minutę temu', '1日前に更新されました', 'Updated 1 day ago', 'Zaktualizowano 1 dzień temu'],
    [2, '2分前に更新されました', 'Updated 2 minutes ago', 'Zaktualizowano 2 minuty temu', '2日前に更新されました', 'Updated 2 days ago', 'Zaktualizowano 2 dni temu'],
    [5, '5分前に更新されました', 'Updated 5 minutes ago', 'Zaktualizowano 5 minut temu', '5日前に更新されました', 'Updated 5 days ago', 'Zaktualizowano 5 dni temu'],
    [22, '22分前に更新されました', 'Updated 22 minutes ago', 'Zaktualizowano 22 minuty temu', '22日前に更新されました', 'Updated 22 days ago', 'Zaktualizowano 22 dni temu'],
    [25, '25分前に更新されました', 'Updated 25 minutes ago', 'Zaktualizowano 25 minut temu', '25日前に更新されました', 'Updated 25 days ago', 'Zaktualizowano 25 dni temu'],
  ])('success label after %d minutes / days (Intl.RelativeTimeFormat)', (n, jaMin, enMin, plMin, jaDay, enDay, plDay) => {
    expect(['ja', 'en', 'pl'].map((l) => relativeSuccessLabel(succeededAt, after(n * MIN), l as 'ja'))).toEqual([jaMin, enMin, plMin]);
    expect(['ja', 'en', 'pl'].map((l) => relativeSuccessLabel(succeededAt, after(n * DAY), l as 'ja'))).toEqual([jaDay, enDay, plDay]);
  });
});
