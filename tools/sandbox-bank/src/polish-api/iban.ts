/**
 * Polish account numbers: the 26-digit NRB (2 check digits, an 8-digit bank settlement
 * number, 16 digits of account) and its IBAN form `PL` + NRB. Check digits follow
 * ISO 13616 (mod 97-10, ISO 7064) and the settlement number's own weighted check digit,
 * so every number the sandbox prints passes a real validator.
 */

/** An IBAN in electronic form (no spaces), e.g. `PL61109010140000071219812874`. */
export type Iban = string;

const SETTLEMENT_WEIGHTS = [3, 9, 7, 1, 3, 9, 7] as const;

/**
 * The check digit of an 8-digit bank settlement number (numer rozliczeniowy) from its
 * first seven digits (3-digit bank + 4-digit branch): weights 3, 9, 7, 1, 3, 9, 7.
 */
export function settlementCheckDigit(firstSeven: string): number {
  if (!/^\d{7}$/.test(firstSeven)) throw new Error(`expected 7 digits, got "${firstSeven}"`);
  let sum = 0;
  for (let i = 0; i < 7; i++) sum += Number(firstSeven[i]) * (SETTLEMENT_WEIGHTS[i] as number);
  return (10 - (sum % 10)) % 10;
}

/** The 8-digit settlement number of a bank (3 digits) and branch (4 digits), check digit included. */
export function settlementNumber(bankCode: string, branch: string): string {
  if (!/^\d{3}$/.test(bankCode)) throw new Error(`bank code must be 3 digits, got "${bankCode}"`);
  if (!/^\d{4}$/.test(branch)) throw new Error(`branch must be 4 digits, got "${branch}"`);
  const seven = bankCode + branch;
  return seven + String(settlementCheckDigit(seven));
}

/** ISO 7064 mod 97 of a string of digits and letters (letters count as 10..35), computed in chunks. */
function mod97(text: string): number {
  let remainder = 0;
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    const value = code >= 48 && code <= 57 ? ch : code >= 65 && code <= 90 ? String(code - 55) : null;
    if (value === null) throw new Error(`invalid IBAN character "${ch}"`);
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder;
}

/** The two IBAN check digits for a country code and BBAN (ISO 13616). */
export function ibanCheckDigits(country: string, bban: string): string {
  const rem = mod97(`${bban}${country}00`);
  return String(98 - rem).padStart(2, '0');
}

/** True when `iban` (spaces allowed, any case) has valid ISO 13616 check digits. */
export function isValidIban(iban: string): boolean {
  const s = iban.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$/.test(s)) return false;
  return mod97(s.slice(4) + s.slice(0, 4)) === 1;
}

/** True when `iban` is a valid Polish IBAN whose settlement number's check digit is right too. */
export function isValidPolishIban(iban: string): boolean {
  const s = iban.replace(/\s+/g, '').toUpperCase();
  if (!/^PL\d{26}$/.test(s) || !isValidIban(s)) return false;
  return settlementCheckDigit(s.slice(4, 11)) === Number(s[11]);
}

/** Builds a Polish IBAN from a bank code (3 digits), branch (4 digits) and 16 account digits. */
export function polishIban(bankCode: string, branch: string, accountDigits: string): Iban {
  if (!/^\d{16}$/.test(accountDigits)) throw new Error(`account digits must be 16 digits, got "${accountDigits}"`);
  const bban = settlementNumber(bankCode, branch) + accountDigits;
  return `PL${ibanCheckDigits('PL', bban)}${bban}`;
}

/** Groups an IBAN by four for people: `PL61 1090 1014 0000 0712 1981 2874`. */
export function formatIban(iban: Iban): string {
  return iban.replace(/(.{4})/g, '$1 ').trim();
}

/**
 * Normalises an account number as a client may send it: spaces dropped, upper case, and a
 * bare 26-digit NRB prefixed with `PL`. Returns null when it cannot be a Polish number.
 */
export function normalisePolishAccountNumber(text: string): Iban | null {
  const s = text.replace(/\s+/g, '').toUpperCase();
  if (/^\d{26}$/.test(s)) return `PL${s}`;
  if (/^PL\d{26}$/.test(s)) return s;
  return null;
}
