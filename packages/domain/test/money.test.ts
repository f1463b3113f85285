import { Result, Schema } from 'effect';
import fc from 'fast-check';
import {
  AmountParseError,
  CurrencyCode,
  CurrencyMismatchError,
  Money,
  addMoney,
  currencyCodes,
  currencyExponent,
  equalsMoney,
  formatAmount,
  money,
  negateMoney,
  parseAmount,
  parseCurrencyCode,
} from '../src';

const code = Schema.decodeUnknownSync(CurrencyCode);
const JPY = code('JPY');
const PLN = code('PLN');
const BHD = code('BHD');

const parsed = (input: string | number, currency: CurrencyCode) => Result.getOrThrow(parseAmount(input, currency)).amountMinor;
const failure = (input: string | number, currency: CurrencyCode): AmountParseError => {
  const r = parseAmount(input, currency);
  if (Result.isSuccess(r)) throw new Error(`expected "${input}" ${currency} to fail, got ${r.success.amountMinor}`);
  return r.failure;
};

describe('currencies', () => {
  it('know their minor-unit exponent', () => {
    expect(['JPY', 'KRW', 'PLN', 'EUR', 'USD', 'GBP', 'BHD', 'KWD', 'CLF'].map((c) => currencyExponent(code(c)))).toEqual([
      0, 0, 2, 2, 2, 2, 3, 3, 4,
    ]);
  });

  it('are only the codes with a known exponent: anything else fails instead of guessing 2', () => {
    for (const bad of ['XXX', 'jpy', 'JP', 'JPYY', '', 'ABC']) expect(() => code(bad)).toThrow();
    const r = parseCurrencyCode('ZZZ');
    expect(Result.isFailure(r) && r.failure).toMatchObject({ _tag: 'UnknownCurrencyError', input: 'ZZZ' });
    expect(Result.getOrThrow(parseCurrencyCode(' pln '))).toBe('PLN');
  });

  it('the table holds only three-letter codes with exponents 0, 2, 3 or 4', () => {
    expect(currencyCodes.length).toBeGreaterThan(150);
    for (const c of currencyCodes) {
      expect(c).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3, 4]).toContain(currencyExponent(c));
    }
  });
});

describe('parseAmount', () => {
  it.each<[string, string, bigint]>([
    ['108000', 'JPY', 108000n],
    ['-108000', 'JPY', -108000n],
    ['+500', 'JPY', 500n],
    ['0', 'JPY', 0n],
    ['1234.56', 'PLN', 123456n],
    ['-1234.5', 'PLN', -123450n],
    ['-1234', 'PLN', -123400n],
    ['0.05', 'PLN', 5n],
    ['1,234', 'JPY', 1234n],
    ['1,234,567.89', 'PLN', 123456789n],
    ['¥1,234', 'JPY', 1234n],
    ['-¥1,234', 'JPY', -1234n],
    ['¥-1,234', 'JPY', -1234n],
    ['1,234円', 'JPY', 1234n],
    ['￥１，２３４', 'JPY', 1234n],
    ['－１２３４', 'JPY', -1234n],
    ['−500', 'JPY', -500n],
    ['  42  ', 'JPY', 42n],
    ['\u3000４２\u3000', 'JPY', 42n],
    ['1234.56 PLN', 'PLN', 123456n],
    ['PLN -1234.56', 'PLN', -123456n],
    ['12.50 zł', 'PLN', 1250n],
    ['1.00', 'JPY', 1n],
    ['1.230', 'PLN', 123n],
    ['1.234', 'BHD', 1234n],
    ['€3.10', 'EUR', 310n],
    ['12345678901234567890123', 'JPY', 12345678901234567890123n],
  ])('"%s" %s → %p', (text, currency, minor) => {
    expect(parsed(text, code(currency))).toBe(minor);
  });

  it.each<[string, string, string]>([
    ['1.5', 'JPY', 'inexact'],
    ['1.234', 'PLN', 'inexact'],
    ['0.001', 'PLN', 'inexact'],
    ['1.2345', 'BHD', 'inexact'],
    ['NaN', 'JPY', 'non-finite'],
    ['Infinity', 'PLN', 'non-finite'],
    ['-Infinity', 'PLN', 'non-finite'],
    ['', 'JPY', 'empty'],
    ['   ', 'JPY', 'empty'],
    ['abc', 'JPY', 'malformed'],
    ['1.2.3', 'PLN', 'malformed'],
    ['1e3', 'JPY', 'malformed'],
    ['0x10', 'JPY', 'malformed'],
    ['12,34', 'PLN', 'malformed'],
    ['1,23,456', 'JPY', 'malformed'],
    ['1234,', 'JPY', 'malformed'],
    ['1 234,56', 'PLN', 'malformed'],
    ['1 234', 'JPY', 'malformed'],
    ['.5', 'PLN', 'malformed'],
    ['5.', 'PLN', 'malformed'],
    ['--5', 'JPY', 'malformed'],
    ['+-5', 'JPY', 'malformed'],
    ['-¥-5', 'JPY', 'malformed'],
    ['¥', 'JPY', 'malformed'],
    ['¥5円', 'JPY', 'malformed'],
    ['¹²³', 'JPY', 'malformed'],
    ['①', 'JPY', 'malformed'],
    ['１٢３', 'JPY', 'malformed'],
    ['$5', 'JPY', 'currency-mismatch'],
    ['€1', 'JPY', 'currency-mismatch'],
    ['5円', 'PLN', 'currency-mismatch'],
    ['1234.56 EUR', 'PLN', 'currency-mismatch'],
    ['¥5 KRW', 'JPY', 'currency-mismatch'],
  ])('"%s" %s fails as %s, naming the input', (text, currency, reason) => {
    const error = failure(text, code(currency));
    expect(error).toBeInstanceOf(AmountParseError);
    expect(error).toMatchObject({ _tag: 'AmountParseError', input: text, currency, reason });
    expect(error.message).toContain(`"${text}"`);
  });

  it('names the mark that does not fit the currency', () => {
    expect(failure('¥5 KRW', JPY).message).toContain('"KRW" is not JPY');
    expect(failure('$5', JPY).message).toContain('"$" is not JPY');
  });

  it('accepts a JS number only as a safe integer in a currency without minor units', () => {
    expect(parsed(108000, JPY)).toBe(108000n);
    expect(parsed(-5, JPY)).toBe(-5n);
    expect(failure(1.5, JPY).reason).toBe('number-not-accepted');
    expect(failure(2 ** 53, JPY).reason).toBe('number-not-accepted');
    expect(failure(12, PLN).reason).toBe('number-not-accepted');
    expect(failure(Number.NaN, JPY).reason).toBe('non-finite');
    expect(failure(Number.POSITIVE_INFINITY, JPY).reason).toBe('non-finite');
  });
});

describe('formatAmount', () => {
  it.each<[bigint, string, string]>([
    [-123450n, 'PLN', '-1234.50'],
    [123456n, 'PLN', '1234.56'],
    [5n, 'PLN', '0.05'],
    [-5n, 'PLN', '-0.05'],
    [0n, 'PLN', '0.00'],
    [-108000n, 'JPY', '-108000'],
    [0n, 'JPY', '0'],
    [1n, 'BHD', '0.001'],
    [12345n, 'CLF', '1.2345'],
  ])('%p %s → "%s"', (minor, currency, text) => {
    expect(formatAmount(money(minor, code(currency)))).toBe(text);
  });
});

const currency = fc.constantFrom(...currencyCodes);
const amount = fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n });

describe('round trips (property)', () => {
  it('parseAmount(formatAmount(m)) is m, and formatAmount(parseAmount(x)) is x for canonical x', () => {
    fc.assert(
      fc.property(amount, currency, (minor, c) => {
        const text = formatAmount(money(minor, c));
        const back = Result.getOrThrow(parseAmount(text, c));
        expect(back).toEqual(money(minor, c));
        expect(formatAmount(back)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('grouping and full-width forms read as the same amount', () => {
    const group = (digits: string) => digits.replace(/\B(?=(\d{3})+$)/g, ',');
    const fullWidth = (s: string) => s.replace(/[0-9,.\-+]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0));
    fc.assert(
      fc.property(amount, currency, (minor, c) => {
        const [, sign = '', int = '', frac] = /^(-?)(\d+)(?:\.(\d+))?$/.exec(formatAmount(money(minor, c))) ?? [];
        const grouped = `${sign}${group(int)}${frac === undefined ? '' : `.${frac}`}`;
        expect(Result.getOrThrow(parseAmount(grouped, c)).amountMinor).toBe(minor);
        expect(Result.getOrThrow(parseAmount(fullWidth(grouped), c)).amountMinor).toBe(minor);
      }),
      { numRuns: 1000 },
    );
  });

  it('never yields a value for more non-zero decimals than the currency has', () => {
    fc.assert(
      fc.property(
        currency,
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 4 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        (c, int, middle, last, negative) => {
          const exponent = currencyExponent(c);
          const allowed = '7'.repeat(exponent);
          const text = `${negative ? '-' : ''}${int}.${allowed}${middle}${last}`;
          const r = parseAmount(text, c);
          expect(Result.isFailure(r) && r.failure.reason).toBe('inexact');
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('money arithmetic', () => {
  it('adds amounts of one currency and refuses to mix currencies', () => {
    expect(Result.getOrThrow(addMoney(money(150n, PLN), money(-50n, PLN)))).toEqual(money(100n, PLN));
    const mixed = addMoney(money(1n, PLN), money(1n, JPY));
    expect(Result.isFailure(mixed) && mixed.failure).toBeInstanceOf(CurrencyMismatchError);
    expect(negateMoney(money(5n, BHD))).toEqual(money(-5n, BHD));
    expect(equalsMoney(money(5n, JPY), money(5n, JPY))).toBe(true);
    expect(equalsMoney(money(5n, JPY), money(5n, code('KRW')))).toBe(false);
  });

  it('the Money schema requires a bigint amount and a known currency', () => {
    const decode = Schema.decodeUnknownSync(Money);
    expect(decode({ amountMinor: 5n, currency: 'PLN' })).toEqual(money(5n, PLN));
    expect(() => decode({ amountMinor: 5, currency: 'PLN' })).toThrow();
    expect(() => decode({ amountMinor: 5n, currency: 'XXX' })).toThrow();
  });
});
