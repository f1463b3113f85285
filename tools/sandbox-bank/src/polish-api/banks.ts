/**
 * Polish banks the sandbox can play or name as counterparties: the 3-digit bank code that
 * starts every settlement number, the name and the 8-character BIC (the spec's
 * `BankAccountInfo.bicOrSwift` allows 8).
 */

/** A Polish bank. */
export interface PolishBank {
  /** The 3-digit bank code of its settlement numbers, e.g. `105`. */
  readonly code: string;
  /** The bank's name. */
  readonly name: string;
  /** BIC (8 characters). */
  readonly bic: string;
  /** Head-office address lines. */
  readonly address: readonly string[];
}

/** Banks known to the sandbox, by code. */
export const POLISH_BANKS: readonly PolishBank[] = [
  { code: '102', name: 'PKO Bank Polski S.A.', bic: 'BPKOPLPW', address: ['ul. Puławska 15', '02-515 Warszawa'] },
  { code: '103', name: 'Bank Handlowy w Warszawie S.A.', bic: 'CITIPLPX', address: ['ul. Senatorska 16', '00-923 Warszawa'] },
  { code: '105', name: 'ING Bank Śląski S.A.', bic: 'INGBPLPW', address: ['ul. Sokolska 34', '40-086 Katowice'] },
  { code: '109', name: 'Santander Bank Polska S.A.', bic: 'WBKPPLPP', address: ['al. Jana Pawła II 17', '00-854 Warszawa'] },
  { code: '114', name: 'mBank S.A.', bic: 'BREXPLPW', address: ['ul. Prosta 18', '00-850 Warszawa'] },
  { code: '116', name: 'Bank Millennium S.A.', bic: 'BIGBPLPW', address: ['ul. Stanisława Żaryna 2A', '02-593 Warszawa'] },
  { code: '124', name: 'Bank Polska Kasa Opieki S.A.', bic: 'PKOPPLPW', address: ['ul. Żubra 1', '01-066 Warszawa'] },
  { code: '132', name: 'Bank Pocztowy S.A.', bic: 'POCZPLP4', address: ['ul. Jagiellońska 17', '85-959 Bydgoszcz'] },
  { code: '154', name: 'Bank Ochrony Środowiska S.A.', bic: 'EBOSPLPW', address: ['ul. Żelazna 32', '00-832 Warszawa'] },
  { code: '194', name: 'Credit Agricole Bank Polska S.A.', bic: 'AGRIPLPR', address: ['ul. Legnicka 48 bud. C-D', '54-202 Wrocław'] },
  { code: '249', name: 'Alior Bank S.A.', bic: 'ALBPPLPW', address: ['ul. Łopuszańska 38D', '02-232 Warszawa'] },
];

/** A bank by its 3-digit code, or undefined. */
export function polishBank(code: string): PolishBank | undefined {
  return POLISH_BANKS.find((b) => b.code === code);
}
