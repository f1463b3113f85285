/**
 * The Berlin Group sandbox bank's demo PSUs (offered by `pnpm start`): deterministic EUR
 * accounts with booked history and pending items, dated relative to `today`.
 */
import { addDays, dateInZone, type IsoDate } from '../calendar';
import type { BerlinGroupAccount, BerlinGroupTransaction, BerlinGroupUser } from './model';

/** A persona: its login, password and what it shows. */
export interface BerlinGroupPersona {
  readonly login: string;
  readonly password: string;
  readonly description: string;
}

/** Every persona's password (a sandbox). */
export const BERLIN_GROUP_PERSONA_PASSWORD = 'sandbox';

/** The demo personas, in the order the README lists them. */
export const BERLIN_GROUP_PERSONAS: readonly BerlinGroupPersona[] = [
  { login: 'lena', password: BERLIN_GROUP_PERSONA_PASSWORD, description: 'a current and a savings account; 4 months of booked history (several pages), 2 pending card payments (one carries no date at all)' },
  { login: 'max', password: BERLIN_GROUP_PERSONA_PASSWORD, description: 'one current account, a few booked transactions, nothing pending' },
];

const PAYEES = ['REWE Markt', 'Deutsche Bahn', 'Stadtwerke Berlin', 'Buchhandlung am Platz', 'Apotheke Mitte', 'Café Kranz'];

function history(prefix: string, today: IsoDate, days: number, perDay: number): BerlinGroupTransaction[] {
  const out: BerlinGroupTransaction[] = [];
  for (let d = days; d >= 1; d -= 1) {
    const date = addDays(today, -d);
    for (let i = 0; i < perDay; i += 1) {
      const n = out.length;
      const salary = d % 30 === 0 && i === 0;
      out.push({
        transactionId: `${prefix}-b-${date}-${i}`,
        entryReference: `${prefix.toUpperCase()}${String(n).padStart(6, '0')}`,
        bookingDate: date,
        valueDate: date,
        amountMinor: salary ? 285_000n : -BigInt(350 + ((n * 7919) % 9_000)),
        remittanceInformationUnstructured: salary ? 'Gehalt' : `Kartenzahlung ${PAYEES[n % PAYEES.length]}`,
        ...(salary ? { debtorName: 'Muster GmbH' } : { creditorName: PAYEES[n % PAYEES.length] as string }),
      });
    }
  }
  return out;
}

/** The personas' users at the bank, their data dated relative to `today` (default: today in Europe/Berlin). */
export function berlinGroupPersonaUsers(today: IsoDate = dateInZone(new Date(), 'Europe/Berlin')): BerlinGroupUser[] {
  const account = (resourceId: string, iban: string, name: string, product: string, opening: bigint, booked: BerlinGroupTransaction[], pending: BerlinGroupTransaction[]): BerlinGroupAccount => ({
    resourceId,
    iban,
    currency: 'EUR',
    name,
    product,
    cashAccountType: product === 'Tagesgeld' ? 'SVGS' : 'CACC',
    openingBalanceMinor: opening,
    booked,
    pending,
  });
  const pending = (prefix: string): BerlinGroupTransaction[] => [
    // No date in the payload at all: the bank filters it by the day it entered its books.
    { transactionId: `${prefix}-p-1`, entryDate: today, amountMinor: -2_499n, remittanceInformationUnstructured: 'Kartenzahlung Online-Shop (vorgemerkt)', creditorName: 'Online-Shop' },
    { transactionId: `${prefix}-p-2`, valueDate: addDays(today, -1), amountMinor: -1_250n, remittanceInformationUnstructured: 'Kartenzahlung Tankstelle (vorgemerkt)', creditorName: 'Tankstelle' },
  ];
  return [
    {
      login: 'lena',
      password: BERLIN_GROUP_PERSONA_PASSWORD,
      accounts: [
        account('lena-giro', 'DE89370400440532013000', 'Girokonto Lena', 'Girokonto', 150_000n, history('lena', today, 120, 2), pending('lena')),
        account('lena-tagesgeld', 'DE02120300000000202051', 'Tagesgeld Lena', 'Tagesgeld', 1_000_000n, [], []),
      ],
    },
    {
      login: 'max',
      password: BERLIN_GROUP_PERSONA_PASSWORD,
      accounts: [account('max-giro', 'DE75512108001245126199', 'Girokonto Max', 'Girokonto', 42_000n, history('max', today, 5, 1), [])],
    },
  ];
}
