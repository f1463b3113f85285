import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiTransaction, type ConnectedUser, type PolishWorld, startPolishWorld } from './polish-harness';

type Listed = ApiTransaction & { readonly balanceAfter: { readonly amountMinor: string } | null };

// Issue 12 §5 at a PolishAPI bank (newest first, 20 a page), through the API: a day's
// transactions are listed in the bank's booking order (the connector's bankSequence). On a
// savings account every trade date is its booking date, so every consecutive pair chains; on a
// current account card payments book days after their trade date (the listing's date), so
// there the day's rows follow the booking order, and the pairs booked one after the other chain.
const EWA = {
  login: 'ewa',
  password: 'haslo-ewy',
  name: 'Ewa Zielińska',
  accounts: [
    { kind: 'savings', activity: false, transactions: 240, historyDays: 40, name: 'Oszczędności' },
    { kind: 'personal', activity: false, transactions: 240, historyDays: 40, name: 'Konto' },
  ],
} as const;

const chains = (newer: Listed, older: Listed): boolean =>
  newer.balanceAfter !== null && older.balanceAfter !== null && BigInt(older.balanceAfter.amountMinor) + BigInt(newer.amount.amountMinor) === BigInt(newer.balanceAfter.amountMinor);

/** The account's booked rows as the API lists them, and the bank's booking order (oldest first) of their item ids. */
async function read(w: PolishWorld, user: ConnectedUser, kind: string): Promise<{ listed: Listed[]; booking: Map<string, number> }> {
  const account = w.sandbox.truth.accounts('ewa').find((a) => a.kind === kind);
  if (!account) throw new Error(`no ${kind} account`);
  const apiAccount = (await w.accounts(user.token)).find((a) => a.accountNumber?.replace(/\s/g, '').endsWith(account.accountNumber.slice(-10)));
  if (!apiAccount) throw new Error(`the API does not list the ${kind} account`);
  const listed = ((await w.transactions(user.token, apiAccount.id)) as Listed[]).filter((t) => t.kind === 'booked');
  const done = w.sandbox.truth.items(account.accountNumber, 'done') as Array<{ itemId: string }>;
  // The bank lists newest first: its booking order is the list reversed.
  const booking = new Map(done.map((item, i) => [`booked:${item.itemId}`, done.length - 1 - i]));
  return { listed, booking };
}

/** Checks a listing day by day against the booking order: same-day neighbours in that order, and those booked one after the other chain. */
function expectBookingOrder(listed: readonly Listed[], booking: ReadonlyMap<string, number>): void {
  let sameDay = 0;
  let consecutive = 0;
  for (let i = 1; i < listed.length; i += 1) {
    const [newer, older] = [listed[i - 1] as Listed, listed[i] as Listed];
    if (newer.transactionDate !== older.transactionDate) continue;
    sameDay += 1;
    const [n, o] = [booking.get(newer.bankTransactionId) as number, booking.get(older.bankTransactionId) as number];
    expect([newer.bankTransactionId, n > o]).toEqual([newer.bankTransactionId, true]);
    if (n === o + 1) {
      consecutive += 1;
      expect([newer.bankTransactionId, chains(newer, older)]).toEqual([newer.bankTransactionId, true]);
    }
  }
  expect(sameDay).toBeGreaterThan(50);
  expect(consecutive).toBeGreaterThan(20);
}

describe('listing order within a day: a PolishAPI bank', () => {
  let w: PolishWorld;
  let user: ConnectedUser;

  beforeAll(async () => {
    w = await startPolishWorld({ users: [EWA], seed: 'bank-order' });
    user = await w.connectUser('ewa-ext', 'ewa');
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  it('savings (trade date = booking date): every consecutive pair of the listing chains', async () => {
    const { listed } = await read(w, user, 'savings');
    expect(listed.length).toBeGreaterThan(100);
    const sameDay = listed.filter((t, i) => i > 0 && listed[i - 1]?.transactionDate === t.transactionDate).length;
    expect(sameDay).toBeGreaterThan(listed.length / 2);
    const broken = listed.slice(1).filter((older, i) => !chains(listed[i] as Listed, older));
    expect(broken.map((t) => t.bankTransactionId)).toEqual([]);
  });

  it('current account: within each day the booking order, and the rows booked one after the other chain', async () => {
    const { listed, booking } = await read(w, user, 'personal');
    expect(listed.length).toBeGreaterThan(100);
    expectBookingOrder(listed, booking);
  });
});

// A bank that filters done items by booking date: an incremental window starts on a booking
// day, so it re-fetches only the part of an earlier trade day booked since — the bank's own
// sequence (booking instants) keeps those rows in place among the ones not re-fetched.
describe('listing order within a day: a PolishAPI bank filtering done items by booking date, after an incremental sync', () => {
  let w: PolishWorld;
  let user: ConnectedUser;

  beforeAll(async () => {
    w = await startPolishWorld({ users: [EWA], seed: 'bank-order-booking', doneDateField: 'bookingDate' });
    user = await w.connectUser('ewa-ext', 'ewa');
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  it('the current account still lists each day in the booking order', async () => {
    w.clock.advance(3 * 86_400_000);
    expect(await w.sync(user)).toBe('completed');
    const { listed, booking } = await read(w, user, 'personal');
    expect(listed.length).toBeGreaterThan(100);
    expectBookingOrder(listed, booking);
  }, 120_000);
});
