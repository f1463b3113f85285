import { Result, Schema } from 'effect';

/**
 * Minor-unit exponents of the active ISO 4217 currencies (digits after the decimal point).
 * A code missing here is not a currency Kinko can hold money in: guessing "2" would turn
 * ¥1,234 into ¥12.34, so an unknown code is rejected instead.
 */
const EXPONENTS: Readonly<Record<string, number>> = (() => {
  const table: Record<string, number> = {};
  const zero = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
  const three = 'BHD IQD JOD KWD LYD OMR TND';
  const four = 'CLF UYW';
  const two =
    'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL ' +
    'GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR ' +
    'LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD ' +
    'PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC ' +
    'SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG';
  for (const [codes, exponent] of [[zero, 0], [two, 2], [three, 3], [four, 4]] as const) {
    for (const code of codes.split(' ')) table[code] = exponent;
  }
  return table;
})();

/** An ISO 4217 currency code Kinko knows the minor-unit exponent of (e.g. "JPY", "PLN"). */
export const CurrencyCode = Schema.String.pipe(
  Schema.check(
    Schema.makeFilter((s: string) => Object.hasOwn(EXPONENTS, s) || `expected a known ISO 4217 currency code, got "${s}"`),
  ),
  Schema.brand('CurrencyCode'),
);
/** An ISO 4217 currency code with a known exponent. */
export type CurrencyCode = typeof CurrencyCode.Type;

/** Every currency code Kinko knows, sorted. */
export const currencyCodes: readonly CurrencyCode[] = Object.keys(EXPONENTS).sort() as CurrencyCode[];

/** Digits after the decimal point in the currency's minor unit: JPY 0, PLN 2, BHD 3. */
export function currencyExponent(code: CurrencyCode): number {
  const exponent = EXPONENTS[code];
  // Unreachable for a decoded CurrencyCode; only a cast can get here, and a guess would be wrong.
  if (exponent === undefined) throw new Error(`no ISO 4217 exponent for currency "${code}"`);
  return exponent;
}


/** A currency code Kinko does not know the exponent of. */
export class UnknownCurrencyError extends Schema.TaggedError<UnknownCurrencyError>()('UnknownCurrencyError', {
  input: Schema.String,
  message: Schema.String,
}) {}

/** Reads a currency code ("jpy " → "JPY"); a code without a known exponent is an error, never a guess. */
export function parseCurrencyCode(text: string): Result.Result<CurrencyCode, UnknownCurrencyError> {
  const code = text.trim().toUpperCase();
  return Object.hasOwn(EXPONENTS, code)
    ? Result.succeed(code as CurrencyCode)
    : Result.fail(new UnknownCurrencyError({ input: text, message: `unknown ISO 4217 currency code "${text}"` }));
}

/** An amount of money as an exact integer count of the currency's minor unit (yen, grosz, cent). */
export interface Money {
  readonly amountMinor: bigint;
  readonly currency: CurrencyCode;
}

/** Schema of Money (amountMinor a bigint; the currency a known code). */
export const Money: Schema.Codec<Money, { readonly amountMinor: bigint; readonly currency: string }> = Schema.Struct({
  amountMinor: Schema.BigInt,
  currency: CurrencyCode,
});

/** Money from a minor-unit amount. */
export const money = (amountMinor: bigint, currency: CurrencyCode): Money => ({ amountMinor, currency });

/** Two amounts in different currencies were combined. */
export class CurrencyMismatchError extends Schema.TaggedError<CurrencyMismatchError>()('CurrencyMismatchError', {
  left: Schema.String,
  right: Schema.String,
  message: Schema.String,
}) {}

/** The sum of two amounts of the same currency. */
export function addMoney(a: Money, b: Money): Result.Result<Money, CurrencyMismatchError> {
  if (a.currency !== b.currency)
    return Result.fail(
      new CurrencyMismatchError({ left: a.currency, right: b.currency, message: `cannot add ${b.currency} to ${a.currency}` }),
    );
  return Result.succeed(money(a.amountMinor + b.amountMinor, a.currency));
}

/** The amount with its sign flipped. */
export const negateMoney = (m: Money): Money => money(-m.amountMinor, m.currency);

/** Whether two amounts are the same amount of the same currency. */
export const equalsMoney = (a: Money, b: Money): boolean => a.currency === b.currency && a.amountMinor === b.amountMinor;

// ---------------------------------------------------------------------------------------
// Parsing and formatting bank amounts

/** Why a bank amount could not be read exactly. */
export const AmountErrorReason = Schema.Literals([
  'empty',
  'malformed',
  /** More non-zero decimals than the currency's minor unit holds (e.g. "1.5" JPY). */
  'inexact',
  'non-finite',
  /** A currency symbol or code that is not the expected currency's. */
  'currency-mismatch',
  /** A JS number was given where only exact text is trustworthy. */
  'number-not-accepted',
]);
/** Why a bank amount could not be read exactly. */
export type AmountErrorReason = typeof AmountErrorReason.Type;

/** A bank amount that cannot be read as an exact amount of the currency. */
export class AmountParseError extends Schema.TaggedError<AmountParseError>()('AmountParseError', {
  input: Schema.String,
  currency: Schema.String,
  reason: AmountErrorReason,
  message: Schema.String,
}) {}

/** Symbols and words banks put before or after an amount, and the currencies they mean. */
const PREFIX_SYMBOLS: Readonly<Record<string, readonly string[]>> = {
  '¥': ['JPY', 'CNY'],
  '€': ['EUR'],
  '£': ['GBP'],
  $: ['USD'],
  '₩': ['KRW'],
};
const SUFFIX_SYMBOLS: Readonly<Record<string, readonly string[]>> = { 円: ['JPY'], zł: ['PLN'], '€': ['EUR'] };

const escape = (s: string) => s.replace(/[$]/g, '\\$');
const alternatives = (table: Readonly<Record<string, readonly string[]>>) =>
  Object.keys(table).map(escape).join('|') + '|[A-Z]{3}';

// sign? prefix? sign? integer (plain, or grouped by commas in threes) fraction? suffix?
const AMOUNT = new RegExp(
  `^([+-])?\\s*(${alternatives(PREFIX_SYMBOLS)})?\\s*([+-])?(\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.(\\d+))?\\s*(${alternatives(SUFFIX_SYMBOLS)})?$`,
);
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

const matchesCurrency = (mark: string | undefined, table: Readonly<Record<string, readonly string[]>>, code: string) =>
  mark === undefined || mark === code || (table[mark]?.includes(code) ?? false);

/**
 * Reads a bank amount exactly into minor units. Accepts "108000", "-108000", "+500",
 * "1234.56", "-1234.5" (PLN → -123450n), "1,234" (commas only as thousands separators in
 * groups of three), "¥1,234", "1,234円", "1234.56 PLN", full-width text ("￥１，２３４") and
 * the minus sign "−". Decimals beyond the currency's exponent must be zeros ("1.50" JPY is
 * not 1 yen and a half, so it fails; "1.00" JPY is 1). "1 234,56" and other decimal-comma
 * styles are rejected: "1,234" would be ambiguous.
 *
 * A JS number is accepted only as a safe integer in a currency without minor units (JPY,
 * KRW): there major and minor units coincide. Anywhere else a number is either a float that
 * has already lost exactness or ambiguous between major and minor units, so pass the text.
 */
export function parseAmount(input: string | number, currency: CurrencyCode): Result.Result<Money, AmountParseError> {
  const exponent = currencyExponent(currency);
  const fail = (reason: AmountErrorReason, why: string) =>
    Result.fail(
      new AmountParseError({ input: String(input), currency, reason, message: `cannot read "${String(input)}" as ${currency}: ${why}` }),
    );
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return fail('non-finite', 'not a finite number');
    if (exponent !== 0 || !Number.isSafeInteger(input))
      return fail('number-not-accepted', 'only safe integers in currencies without minor units are accepted as numbers; pass the text');
    return Result.succeed(money(BigInt(input), currency));
  }
  // NFKC turns full-width digits, "，", "．", "＋", "－", "￥" and the ideographic space into
  // their ASCII/Latin forms. Only those are normalised: NFKC would also make "¹²" or "①"
  // digits, which no bank means as an amount.
  const text = input
    .replace(/[\u3000\uFF01-\uFF5E\uFFE0-\uFFEE]/g, (ch) => ch.normalize('NFKC'))
    .replace(/\u2212/g, '-')
    .trim();
  if (text === '') return fail('empty', 'no amount');
  if (NON_FINITE.test(text)) return fail('non-finite', 'not a finite number');
  const m = AMOUNT.exec(text);
  if (!m) return fail('malformed', 'not a decimal amount');
  const [, sign1, prefix, sign2, integer = '', fraction = '', suffix] = m;
  if (sign1 !== undefined && sign2 !== undefined) return fail('malformed', 'two signs');
  if (!matchesCurrency(prefix, PREFIX_SYMBOLS, currency)) return fail('currency-mismatch', `"${prefix}" is not ${currency}`);
  if (!matchesCurrency(suffix, SUFFIX_SYMBOLS, currency)) return fail('currency-mismatch', `"${suffix}" is not ${currency}`);
  if (prefix !== undefined && suffix !== undefined) return fail('malformed', 'two currency marks');
  const kept = fraction.slice(0, exponent);
  if (/[^0]/.test(fraction.slice(exponent)))
    return fail('inexact', `${currency} has ${exponent} decimal${exponent === 1 ? '' : 's'}`);
  const minor = BigInt(integer.replace(/,/g, '') + kept.padEnd(exponent, '0'));
  return Result.succeed(money((sign1 ?? sign2) === '-' ? -minor : minor, currency));
}

/**
 * The amount as a plain decimal string with exactly the currency's decimals, no grouping and
 * no symbol ("-1234.50" PLN, "108000" JPY), as sandboxes and PolishAPI exchange it.
 */
export function formatAmount(m: Money): string {
  const exponent = currencyExponent(m.currency);
  const abs = (m.amountMinor < 0n ? -m.amountMinor : m.amountMinor).toString().padStart(exponent + 1, '0');
  const sign = m.amountMinor < 0n ? '-' : '';
  return exponent === 0 ? `${sign}${abs}` : `${sign}${abs.slice(0, -exponent)}.${abs.slice(-exponent)}`;
}
