/**
 * The UK Open Banking sandbox's demo PSUs (offered by `pnpm start`): deterministic GBP
 * accounts dated relative to `today` (Europe/London) — booked history over several pages,
 * pending card payments, scheduled payments ahead — and the personas whose consent goes wrong:
 * rejected at the bank, revoked there after a minute, expiring after a minute, one account failing.
 */
import { addDays, dateInZone, type IsoDate } from '../calendar';
import type { UkOpenBankingAccount, UkOpenBankingConsentBehaviour, UkOpenBankingScheduledPayment, UkOpenBankingTransaction, UkOpenBankingUser } from './sandbox';

/** A persona: its login, password and what it shows. */
export interface UkOpenBankingPersona {
  readonly login: string;
  readonly password: string;
  readonly description: string;
}

/** Every persona's password (a sandbox). */
export const UK_OPEN_BANKING_PERSONA_PASSWORD = 'sandbox';

/** The demo personas, in the order the README lists them. */
export const UK_OPEN_BANKING_PERSONAS: readonly UkOpenBankingPersona[] = [
  { login: 'oliver', password: UK_OPEN_BANKING_PERSONA_PASSWORD, description: 'a current and a savings account; 120 days of booked history (several pages of 100), 2 pending card payments, 3 scheduled payments' },
  { login: 'rachel', password: UK_OPEN_BANKING_PERSONA_PASSWORD, description: 'rejects the consent at the bank (the connection fails: declined)' },
  { login: 'victor', password: UK_OPEN_BANKING_PERSONA_PASSWORD, description: 'revokes the consent at the bank a minute after authorising it (later syncs: consent revoked)' },
  { login: 'edith', password: UK_OPEN_BANKING_PERSONA_PASSWORD, description: 'the bank lets the consent expire a minute after authorisation (later syncs: consent expired)' },
  { login: 'fiona', password: UK_OPEN_BANKING_PERSONA_PASSWORD, description: 'two accounts, the second of which the bank refuses (403, ErrorCode U012): one account fails, the other syncs' },
];

const PAYEES = ['Tesco Stores', 'Transport for London', 'Pret A Manger', 'Boots', 'Waterstones', 'Thames Water'];

/** `days` days of booked history ending yesterday, `perDay` items a day, oldest first, with the running balance; salary on every 28th day. */
export function ukOpenBankingHistory(prefix: string, today: IsoDate, days: number, perDay: number, openingMinor: number): UkOpenBankingTransaction[] {
  const out: UkOpenBankingTransaction[] = [];
  let balance = openingMinor;
  for (let d = days; d >= 1; d -= 1) {
    const date = addDays(today, -d);
    for (let i = 0; i < perDay; i += 1) {
      const n = out.length;
      const salary = d % 28 === 0 && i === 0;
      const amountMinor = salary ? 265_000 : -(199 + ((n * 7919) % 8_000));
      balance += amountMinor;
      out.push({
        transactionId: `${prefix}-${date.replaceAll('-', '')}-${i}`,
        status: 'BOOK',
        bookingDate: date,
        bookingTime: `${String(9 + i).padStart(2, '0')}:30:00`,
        amountMinor,
        currency: 'GBP',
        information: salary ? 'SALARY KINKO LTD' : `CARD PAYMENT ${PAYEES[n % PAYEES.length] ?? ''}`.trim(),
        reference: `${prefix.toUpperCase()}${String(n).padStart(6, '0')}`,
        balanceAfterMinor: balance,
      });
    }
  }
  return out;
}

/** The personas' users at the bank, their data dated relative to `today` (default: today in Europe/London). */
export function ukOpenBankingPersonaUsers(today: IsoDate = dateInZone(new Date(), 'Europe/London')): UkOpenBankingUser[] {
  const account = (prefix: string, id: string, nickname: string, type: 'CACC' | 'SVGS', number: string, days: number, extra: Partial<UkOpenBankingAccount> = {}): UkOpenBankingAccount => {
    const booked = ukOpenBankingHistory(prefix, today, days, 2, 150_000);
    const last = booked[booked.length - 1]?.balanceAfterMinor ?? 150_000;
    const pending: UkOpenBankingTransaction[] =
      type === 'CACC'
        ? [
            { transactionId: `${prefix}-p-1`, status: 'PDNG', bookingDate: today, bookingTime: '08:15:00', amountMinor: -2_499, currency: 'GBP', information: 'CARD PAYMENT AMAZON UK (pending)', reference: `${prefix.toUpperCase()}P1` },
            { transactionId: `${prefix}-p-2`, status: 'PDNG', bookingDate: today, bookingTime: '08:45:00', amountMinor: -1_250, currency: 'GBP', information: 'CARD PAYMENT SHELL (pending)', reference: `${prefix.toUpperCase()}P2` },
          ]
        : [];
    const scheduled: UkOpenBankingScheduledPayment[] =
      type === 'CACC'
        ? [
            { scheduledPaymentId: `${prefix}-sp-1`, date: addDays(today, 3), amountMinor: 95_000, currency: 'GBP', reference: 'RENT', creditorName: 'Acme Lettings' },
            { scheduledPaymentId: `${prefix}-sp-2`, date: addDays(today, 10), amountMinor: 4_500, currency: 'GBP', reference: 'COUNCIL TAX', creditorName: 'Camden Council' },
            { scheduledPaymentId: `${prefix}-sp-3`, date: addDays(today, 40), amountMinor: 25_000, currency: 'GBP', reference: 'SAVINGS', creditorName: 'Oliver Twist' },
          ]
        : [];
    return {
      accountId: id,
      currency: 'GBP',
      nickname,
      accountTypeCode: type,
      sortCodeAccountNumber: number,
      holderName: 'Sandbox Customer',
      bookedBalanceMinor: last,
      availableBalanceMinor: last - 3_749,
      transactions: type === 'SVGS' ? [] : [...booked, ...pending],
      scheduledPayments: scheduled,
      ...extra,
    };
  };
  const user = (login: string, accounts: UkOpenBankingAccount[], consent?: UkOpenBankingConsentBehaviour): UkOpenBankingUser => ({
    username: login,
    password: UK_OPEN_BANKING_PERSONA_PASSWORD,
    accounts,
    ...(consent === undefined ? {} : { consent }),
  });
  return [
    user('oliver', [account('oliver', 'oliver-current', 'Current Account', 'CACC', '40400411112222', 120), account('oliver-s', 'oliver-saver', 'Easy Saver', 'SVGS', '40400433334444', 0)]),
    user('rachel', [account('rachel', 'rachel-current', 'Current Account', 'CACC', '40400455556666', 10)], { reject: true }),
    user('victor', [account('victor', 'victor-current', 'Current Account', 'CACC', '40400477778888', 10)], { revokedAfterSeconds: 60 }),
    user('edith', [account('edith', 'edith-current', 'Current Account', 'CACC', '40400499990000', 10)], { expiresAfterSeconds: 60 }),
    user('fiona', [
      account('fiona', 'fiona-current', 'Current Account', 'CACC', '40400412121212', 10),
      account('fiona-b', 'fiona-broken', 'Joint Account', 'CACC', '40400434343434', 10, { failing: true }),
    ]),
  ];
}
