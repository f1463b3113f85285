import { describe, expect, it } from '@jest/globals';
import { relativeTime } from './link-pages';
import { LINK_TEXTS } from './link-texts';

// Issue 16 §6: the Link pages' counts agree through Intl.PluralRules (the domain's
// pluralForm) and relative times come from Intl.RelativeTimeFormat — Polish one/few/many
// for 1, 2, 5, 22, 25.

const COUNTS = [1, 2, 5, 22, 25] as const;
const NOW = new Date('2026-03-01T12:00:00Z');
const ago = (ms: number): Date => new Date(NOW.getTime() - ms);

describe('Link texts: plurals and relative times', () => {
  it('Polish days and digits: 1 dzień / cyfra, 2 dni / cyfry, 5 dni / cyfr, 22 dni / cyfry, 25 dni / cyfr', () => {
    const pl = LINK_TEXTS.pl;
    expect(COUNTS.map((n) => pl.expiryWarning(n, 'D').split(' (')[0])).toEqual([
      'Zgoda udzielona bankowi wygasa za 1 dzień',
      'Zgoda udzielona bankowi wygasa za 2 dni',
      'Zgoda udzielona bankowi wygasa za 5 dni',
      'Zgoda udzielona bankowi wygasa za 22 dni',
      'Zgoda udzielona bankowi wygasa za 25 dni',
    ]);
    expect(COUNTS.map((n) => pl.otpDigits(n))).toEqual(['1 cyfra', '2 cyfry', '5 cyfr', '22 cyfry', '25 cyfr']);
    expect(COUNTS.map((n) => pl.consentTransactions(n))).toEqual([
      'Ich transakcje z ostatnich 1 dnia',
      'Ich transakcje z ostatnich 2 dni',
      'Ich transakcje z ostatnich 5 dni',
      'Ich transakcje z ostatnich 22 dni',
      'Ich transakcje z ostatnich 25 dni',
    ]);
    expect(pl.consentValidity(1, 'D')).toBe('Zgoda obowiązuje najwyżej 1 dzień (do D); bank może ustalić krótszy okres.');
    expect(pl.consentValidity(90, 'D')).toBe('Zgoda obowiązuje najwyżej 90 dni (do D); bank może ustalić krótszy okres.');
  });

  it('English one/other, Japanese without plural forms', () => {
    expect(COUNTS.map((n) => LINK_TEXTS.en.otpDigits(n))).toEqual(['1 digit', '2 digits', '5 digits', '22 digits', '25 digits']);
    expect(LINK_TEXTS.en.expiryWarning(1, 'D')).toBe('Your consent at the bank expires in 1 day (D). Updates stop when it expires.');
    expect(LINK_TEXTS.en.consentTransactions(1)).toBe('Their transactions, up to the last 1 day');
    expect(LINK_TEXTS.en.consentValidity(180, 'D')).toBe('Your consent lasts at most 180 days (until D); the bank may set a shorter period.');
    expect(COUNTS.map((n) => LINK_TEXTS.ja.otpDigits(n))).toEqual(['1桁', '2桁', '5桁', '22桁', '25桁']);
  });

  it('"last update" minutes and days ago through Intl.RelativeTimeFormat, in Polish too', () => {
    expect(COUNTS.map((n) => relativeTime(ago(n * 60_000), NOW, 'pl'))).toEqual(['1 minutę temu', '2 minuty temu', '5 minut temu', '22 minuty temu', '25 minut temu']);
    expect(COUNTS.map((n) => relativeTime(ago(n * 86_400_000), NOW, 'pl'))).toEqual(['wczoraj', 'przedwczoraj', '5 dni temu', '22 dni temu', '25 dni temu']);
    expect(COUNTS.map((n) => relativeTime(ago(n * 60_000), NOW, 'ja'))).toEqual(['1 分前', '2 分前', '5 分前', '22 分前', '25 分前']);
    expect(COUNTS.map((n) => relativeTime(ago(n * 86_400_000), NOW, 'en'))).toEqual(['yesterday', '2 days ago', '5 days ago', '22 days ago', '25 days ago']);
    expect(LINK_TEXTS.pl.lastSuccess(relativeTime(ago(22 * 60_000), NOW, 'pl'))).toBe('Ostatnia aktualizacja: 22 minuty temu');
  });
});
