/**
 * PolishAPI records as the SDK's types: signed minor units from unsigned amounts and
 * transactionCategory, Warsaw calendar dates, accounts from getAccounts + getAccount, and the
 * identity rule (`<kind>:<itemId>`, bankReference = itemId) that lets the domain's
 * reconciliation link a pending transfer, a hold or a scheduled payment to the booked
 * transaction it became.
 */
import { Result } from 'effect';
import { CurrencyCode, addDays, bankLocalDate, reconcile, type BankTransaction, type CalendarDate, type TransactionKind } from '@kinko/domain';
import { collectPages, type ConnectorClient, type Grant, type Transaction } from '@kinko/connector-sdk';
import { manualClock, type ManualClock } from '@kinko/sandbox-bank';
import { polishApi } from '../src';
import { RecordError, accountTypeOf, createBankDateReader, toTransaction } from '../src/mapping';
import { logIn, startPolishSandbox, type PolishSandbox } from './polish-sandbox';

const PLN = CurrencyCode.make('PLN');
const readDate = createBankDateReader('Europe/Warsaw');
const context = { readDate, currency: PLN };

describe('items', () => {
  const base = { itemId: 'I-1', amount: '1234.56', tradeDate: '2020-05-31T14:03:00+02:00' };

  it('signs amounts by transactionCategory, in exact minor units; holds are debits', () => {
    const credit = toTransaction({ ...base, transactionCategory: 'CREDIT' }, 'booked', context);
    const debit = toTransaction({ ...base, amount: '0.01', transactionCategory: 'DEBIT' }, 'pending', context);
    const big = toTransaction({ ...base, amount: '98765432109876.54', transactionCategory: 'DEBIT' }, 'booked', context);
    const hold = toTransaction({ ...base, amount: '500.00' }, 'hold', context);
    expect([credit, debit, big, hold].map((t) => (t instanceof RecordError ? t.message : t.amountMinor))).toEqual([123_456n, -1n, -9_876_543_210_987_654n, -50_000n]);
    expect(toTransaction({ ...base }, 'booked', context)).toBeInstanceOf(RecordError); // a non-hold without category
    expect(toTransaction({ ...base, amount: '-5.00', transactionCategory: 'DEBIT' }, 'booked', context)).toBeInstanceOf(RecordError); // amounts are unsigned
    expect(toTransaction({ ...base, amount: '1.234', transactionCategory: 'DEBIT' }, 'booked', context)).toBeInstanceOf(RecordError); // PLN has 2 decimals
  });

  it('uses the item currency with its own exponent, and refuses an unknown one', () => {
    const eur = toTransaction({ ...base, currency: 'EUR', transactionCategory: 'CREDIT', postTransactionBalance: '-10.50' }, 'booked', context);
    expect(eur instanceof RecordError ? eur.message : [eur.currency, eur.amountMinor, eur.balanceAfterMinor]).toEqual(['EUR', 123_456n, -1_050n]);
    expect(toTransaction({ ...base, currency: 'XXQ', transactionCategory: 'CREDIT' }, 'booked', context)).toBeInstanceOf(RecordError);
  });

  it('dates are Warsaw calendar dates: offsets converted, local times taken as they are', () => {
    const at = (tradeDate: string) => {
      const t = toTransaction({ ...base, tradeDate, transactionCategory: 'CREDIT' }, 'booked', context);
      return t instanceof RecordError ? t.message : t.transactionDate;
    };
    expect(at('2020-05-31T23:30:00Z')).toBe('2020-06-01'); // 01:30 in Warsaw (CEST)
    expect(at('2020-01-31T23:30:00Z')).toBe('2020-02-01'); // 00:30 in Warsaw (CET)
    expect(at('2020-05-31T23:30:00')).toBe('2020-05-31'); // the bank's wall clock
    expect(at('2020-05-31')).toBe('2020-05-31');
    expect(toTransaction({ ...base, tradeDate: '2020-02-30T10:00:00', transactionCategory: 'CREDIT' }, 'booked', context)).toBeInstanceOf(RecordError);
    // Done items without tradeDate fall back to the booking date; others need one.
    const booked = toTransaction({ itemId: 'x', amount: '1.00', transactionCategory: 'DEBIT', bookingDate: '2020-05-30T08:00:00+02:00' }, 'booked', context);
    expect(booked instanceof RecordError ? booked.message : [booked.transactionDate, booked.bookingDate]).toEqual(['2020-05-30', '2020-05-30']);
    expect(toTransaction({ itemId: 'x', amount: '1.00', transactionCategory: 'DEBIT' }, 'pending', context)).toBeInstanceOf(RecordError);
  });

  it('the cached date reader gives exactly what the domain bankLocalDate gives', () => {
    const samples: string[] = [];
    // About two years in steps of ~25 h, then every 20 minutes around both DST switches of 2020.
    const instants = Array.from({ length: 700 }, (_, i) => Date.UTC(2019, 0, 1) + i * 90_000_017);
    for (const edge of [Date.UTC(2020, 2, 28, 21), Date.UTC(2020, 9, 24, 21)]) for (let m = 0; m < 8 * 60; m += 20) instants.push(edge + m * 60_000);
    for (const ms of instants) {
      const iso = new Date(ms).toISOString();
      samples.push(iso, iso.replace('Z', '+02:00'), iso.replace('Z', '-0530'), iso.slice(0, 19), iso.slice(0, 16), iso.slice(0, 10), iso.replace('T', ' ').replace('Z', ''));
    }
    samples.push('2020-13-01', '2020-02-30T10:00:00Z', '2020-01-01T24:00:00Z', '2020-01-01T10:00:00+25:00', 'yesterday', '', ' 2020-01-01T10:00:00Z ');
    for (const text of samples) {
      const domain = bankLocalDate(text, 'Europe/Warsaw');
      const ours = readDate(text);
      expect([text, ours instanceof RecordError ? 'error' : ours]).toEqual([text, Result.isSuccess(domain) ? domain.success : 'error']);
    }
  });

  it('types accounts from the bank code and Polish names', () => {
    expect(accountTypeOf('ROR', 'Konto Osobiste', 'Rachunek oszczędnościowo-rozliczeniowy')).toBe('current');
    expect(accountTypeOf('SAV', 'Konto Oszczędnościowe')).toBe('savings');
    expect(accountTypeOf(undefined, 'Lokata 3M')).toBe('timeDeposit');
    expect(accountTypeOf(undefined, 'Karta kredytowa')).toBe('creditCard');
    expect(accountTypeOf(undefined, 'Kredyt hipoteczny')).toBe('loan');
    expect(accountTypeOf('X', 'Coś innego')).toBe('other');
  });
});

describe('accounts from the bank', () => {
  it('number, name, type, currency, owner, IBAN and holder from getAccounts + getAccount', async () => {
    const s = await startPolishSandbox(
      { type: 'basic' },
      {
        sandbox: {
          users: [
            {
              login: 'jan',
              password: 'haslo-jana',
              name: 'Jan Kowalski',
              accounts: [
                { kind: 'personal', transactions: 10, historyDays: 30, activity: false },
                { kind: 'savings', currency: 'EUR', transactions: 5, historyDays: 30, activity: false, name: 'Wakacje' },
              ],
            },
          ],
        },
      },
    );
    try {
      const { client, grant } = await logIn(s, polishApi);
      const accounts = await collectPages(client.accounts(grant));
      const truth = s.sandbox.truth.accounts('jan');
      expect(accounts.ok && accounts.value).toEqual([
        { bankAccountId: truth[0]?.accountNumber, number: truth[0]?.accountNumber, iban: truth[0]?.accountNumber, name: 'Konto Osobiste', type: 'current', currency: 'PLN', bankAccountType: 'Konto Osobiste', ownerType: 'personal', holderName: 'Jan Kowalski' },
        { bankAccountId: truth[1]?.accountNumber, number: truth[1]?.accountNumber, iban: truth[1]?.accountNumber, name: 'Wakacje', type: 'savings', currency: 'EUR', bankAccountType: 'Konto Oszczędnościowe', ownerType: 'personal', holderName: 'Jan Kowalski' },
      ]);
      await client.close();
    } finally {
      await s.close();
    }
  });
});

describe('pending → booked keeps the relation', () => {
  let s: PolishSandbox;
  let clock: ManualClock;
  let client: ConnectorClient;
  let grant: Grant;
  let account: string;
  let today: CalendarDate;
  beforeAll(async () => {
    // Thursday noon in Warsaw: a transfer ordered today books tomorrow.
    clock = manualClock('2020-05-28T12:00:00+02:00');
    today = '2020-05-28' as CalendarDate;
    s = await startPolishSandbox({ type: 'basic' }, { sandbox: { clock } });
    ({ client, grant } = await logIn(s, polishApi));
    account = s.mainAccount;
  });
  afterAll(async () => {
    await client.close();
    await s.close();
  });

  /** A day passes: the access token (one hour) has expired, so the app refreshes first. */
  const nextDay = async (): Promise<void> => {
    clock.advance(86_400_000);
    const renewed = await client.auth.refresh(grant);
    if (!renewed.ok) throw new Error(renewed.error.message);
    grant = renewed.value.grant;
  };

  const fetchKind = async (kind: TransactionKind, window: { from: CalendarDate; to: CalendarDate }): Promise<Transaction[]> => {
    const out = await collectPages(client.transactions(grant, { bankAccountId: account, kind, window }));
    if (!out.ok) throw new Error(`${out.error._tag}: ${out.error.message}`);
    return out.value;
  };

  it('a pending transfer and the booked transaction it became share bankReference = itemId, and reconcile links them', async () => {
    const added = s.sandbox.knobs.addPending(account, { amount: -4_321n, bookOn: addDays(today, 1), description: 'Przelew wychodzący: czynsz maj' });
    const window = { from: addDays(today, -3), to: today };
    const pending = (await fetchKind('pending', window)).find((t) => t.bankReference === added['itemId']);
    expect(pending).toMatchObject({ bankTransactionId: `pending:${String(added['itemId'])}`, kind: 'pending', amountMinor: -4_321n, transactionDate: today });

    await nextDay();
    const nextWindow = { from: addDays(today, -3), to: addDays(today, 1) };
    const pendingNow = await fetchKind('pending', nextWindow);
    const bookedNow = await fetchKind('booked', nextWindow);
    expect(pendingNow.some((t) => t.bankReference === added['itemId'])).toBe(false);
    const booked = bookedNow.find((t) => t.bankReference === added['itemId']);
    expect(booked).toMatchObject({ bankTransactionId: `booked:${String(added['itemId'])}`, kind: 'booked', amountMinor: -4_321n, transactionDate: today, bookingDate: addDays(today, 1) });

    const result = reconcile({
      stored: [pending as BankTransaction],
      windows: [
        { kind: 'pending', ...nextWindow, dateField: 'transactionDate' },
        { kind: 'booked', ...nextWindow, dateField: 'transactionDate' },
      ],
      fetch: { complete: true, items: [...pendingNow, ...bookedNow] },
    });
    expect(result.links).toEqual([{ pendingId: pending?.bankTransactionId, bookedId: booked?.bankTransactionId, evidence: expect.objectContaining({ method: 'bankReference' }) }]);
    expect(result.deletions).toContain(pending?.bankTransactionId);
    expect(result.inserts.map((t) => t.bankTransactionId)).toContain(booked?.bankTransactionId);
  });

  it('a hold settling at another amount (fuel) is linked by reference too, where an amount match would fail', async () => {
    const day = dateOfClock(clock);
    const added = s.sandbox.knobs.addHold(account, { amount: -50_000n, settleOn: addDays(day, 1), settledAmount: -18_765n, description: 'Płatność kartą ORLEN Kraków' });
    const window = { from: addDays(day, -2), to: day };
    const hold = (await fetchKind('hold', window)).find((t) => t.bankReference === added['itemId']);
    expect(hold).toMatchObject({ kind: 'hold', amountMinor: -50_000n });
    await nextDay();
    const next = { from: addDays(day, -2), to: addDays(day, 1) };
    const holds = await fetchKind('hold', next);
    const booked = await fetchKind('booked', next);
    const settled = booked.find((t) => t.bankReference === added['itemId']);
    expect(settled).toMatchObject({ amountMinor: -18_765n, bankTransactionId: `booked:${String(added['itemId'])}` });
    const result = reconcile({
      stored: [hold as BankTransaction],
      windows: [
        { kind: 'hold', ...next, dateField: 'transactionDate' },
        { kind: 'booked', ...next, dateField: 'transactionDate' },
      ],
      fetch: { complete: true, items: [...holds, ...booked] },
    });
    expect(result.links).toEqual([{ pendingId: hold?.bankTransactionId, bookedId: settled?.bankTransactionId, evidence: expect.objectContaining({ method: 'bankReference', amountDifferenceMinor: 31_235n }) }]);
  });
});

function dateOfClock(clock: ManualClock): CalendarDate {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Warsaw', year: 'numeric', month: '2-digit', day: '2-digit' }).format(clock()) as CalendarDate;
}
