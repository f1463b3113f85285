// Amounts and dates as the net bank prints them, read exactly.
import type { CurrencyCode } from '@kinko/domain';
import { parseBankAmount, parseBankDate } from '../src';

const JPY = 'JPY' as CurrencyCode;

describe('parseBankAmount', () => {
  test.each([
    ['¥1,234', 1234n],
    ['\u2212¥1,234', -1234n],
    ['-¥1,234', -1234n],
    ['▲1,234', -1234n],
    ['△1,234', -1234n],
    ['▲ 1,234円', -1234n],
    ['1,234', 1234n],
    ['1,234円', 1234n],
    ['￥１，２３４', 1234n],
    ['▲１２，３４５，６７８', -12345678n],
    ['¥0', 0n],
    ['  ¥987,654,321,012  ', 987654321012n],
  ])('%s → %s', (text, minor) => {
    expect(parseBankAmount(text, JPY)).toBe(minor);
  });

  test.each([['----'], [''], ['¥1,23'], ['1.5'], ['▲▲1'], ['1,234▲'], ['$12'], ['€1'], ['照会不可']])('%s is not an amount', (text) => {
    expect(parseBankAmount(text, JPY)).toBeUndefined();
  });
});

describe('parseBankDate', () => {
  test.each([
    ['2026/11/21', '2026-11-21'],
    ['2026/1/5', '2026-01-05'],
    ['2026年11月21日', '2026-11-21'],
    ['2026年1月5日', '2026-01-05'],
    ['２０２６年１月５日', '2026-01-05'],
    [' 2024/02/29 ', '2024-02-29'],
  ])('%s → %s', (text, date) => {
    expect(parseBankDate(text)).toBe(date);
  });

  test.each([['2026/02/30'], ['2025/02/29'], ['2026-11-21'], ['26/11/21'], ['2026年11月'], ['令和8年11月21日'], ['']])('%s is not a date', (text) => {
    expect(parseBankDate(text)).toBeUndefined();
  });
});
