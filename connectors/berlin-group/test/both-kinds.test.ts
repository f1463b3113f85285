/**
 * Booked and pending in one call (contract v2 e): `transactionKinds` asks the bank with
 * bookingStatus=both — one request per page for both kinds, the window on every page — and
 * yields per kind exactly what the per-kind calls (bookingStatus=booked / pending) yield.
 * Over loopback against the sandbox, its requests recorded.
 */
import { collectPages, type KindsPage, type Transaction } from '@kinko/connector-sdk';
import { addDays, dateInZone, type CalendarDate } from '@kinko/domain';
import { startBerlinGroupSandbox, type BerlinGroupSandbox, type BerlinGroupTransaction } from '@kinko/sandbox-bank';
import { berlinGroup } from '../src';
import { ACCOUNT, LOGIN, PASSWORD, grantOf, logIn } from './support';

const today = dateInZone(new Date(), 'Europe/Berlin');
const window = Object.freeze({ from: addDays(today, -30), to: today });

const booked = (i: number): BerlinGroupTransaction => {
  const d = addDays(today, -(i % 28)) as CalendarDate;
  return { transactionId: `b${i}`, entryReference: `REF-b${i}`, bookingDate: d, valueDate: d, amountMinor: -BigInt(100 + i), remittanceInformationUnstructured: `booked ${i}`, creditorName: 'Shop' };
};
const pending = (i: number): BerlinGroupTransaction => ({ transactionId: `p${i}`, valueDate: addDays(today, -(i % 5)), amountMinor: -BigInt(500 + i), remittanceInformationUnstructured: `pending ${i}`, creditorName: 'Café' });

const giro = { resourceId: ACCOUNT, iban: 'DE89370400440532013000', currency: 'EUR', name: 'Girokonto', product: 'Girokonto', cashAccountType: 'CACC', openingBalanceMinor: 100_000n };

describe('Berlin Group: booked and pending in one call (bookingStatus=both)', () => {
  let sandbox: BerlinGroupSandbox;
  afterEach(() => sandbox?.close());

  it('one request per page for both kinds, the window and bookingStatus=both on every page; per kind the same items as the per-kind calls', async () => {
    const PAGE = 10;
    // 23 booked + 6 pending (one of each outside the window) → 27 in the window: 3 pages of 10.
    const account = {
      ...giro,
      booked: [...Array.from({ length: 22 }, (_, i) => booked(i)), { ...booked(99), bookingDate: addDays(today, -40), valueDate: addDays(today, -40) }],
      pending: [...Array.from({ length: 5 }, (_, i) => pending(i)), { ...pending(98), valueDate: addDays(today, -45) }],
    };
    sandbox = await startBerlinGroupSandbox({ users: [{ login: LOGIN, password: PASSWORD, accounts: [account] }], pageSize: PAGE });
    const { client, step } = await logIn(sandbox, berlinGroup);
    const grant = grantOf(step);

    const before = sandbox.requests().length;
    const pages: KindsPage[] = [];
    for await (const page of client.transactionKinds(grant, { bankAccountId: ACCOUNT, kinds: ['booked', 'pending'], window })) {
      if (!page.ok) throw new Error(page.error.message);
      pages.push(page.value);
    }
    const reads = sandbox.requests().slice(before);
    expect(reads.map((r) => ({ path: r.path, bookingStatus: r.query['bookingStatus'], dateFrom: r.query['dateFrom'], dateTo: r.query['dateTo'], page: r.query['pageIndex'] ?? '0' }))).toEqual(
      ['0', '1', '2'].map((page) => ({ path: `/v1/accounts/${ACCOUNT}/transactions`, bookingStatus: 'both', dateFrom: window.from, dateTo: window.to, page })),
    );
    expect(pages.map((p) => p.index)).toEqual([0, 1, 2]);
    const perKind = (kind: 'booked' | 'pending'): Transaction[] => pages.flatMap((p) => p.kinds.filter((k) => k.kind === kind).flatMap((k) => k.page.items));

    // The per-kind path: one fetch per kind (bookingStatus=booked, then pending).
    const mark = sandbox.requests().length;
    const bookedAlone = await collectPages(client.transactions(grant, { bankAccountId: ACCOUNT, kind: 'booked', window }));
    const pendingAlone = await collectPages(client.transactions(grant, { bankAccountId: ACCOUNT, kind: 'pending', window }));
    expect(sandbox.requests().slice(mark).map((r) => r.query['bookingStatus'])).toEqual(['booked', 'booked', 'booked', 'pending']);
    if (!bookedAlone.ok || !pendingAlone.ok) throw new Error('per-kind fetch failed');
    const byId = (a: Transaction, b: Transaction) => a.bankTransactionId.localeCompare(b.bankTransactionId);
    expect(perKind('booked').sort(byId)).toEqual([...bookedAlone.value].sort(byId));
    expect(perKind('pending').sort(byId)).toEqual([...pendingAlone.value].sort(byId));
    expect(perKind('booked')).toHaveLength(22);
    expect(perKind('pending')).toHaveLength(5);
    await client.close();
  });

  it('one kind through transactionKinds asks for that kind only', async () => {
    sandbox = await startBerlinGroupSandbox({
      users: [{ login: LOGIN, password: PASSWORD, accounts: [{ ...giro, booked: [booked(1)], pending: [pending(1)] }] }],
    });
    const { client, step } = await logIn(sandbox, berlinGroup);
    const before = sandbox.requests().length;
    const out: KindsPage[] = [];
    for await (const page of client.transactionKinds(grantOf(step), { bankAccountId: ACCOUNT, kinds: ['pending'], window })) if (page.ok) out.push(page.value);
    expect(sandbox.requests().slice(before).map((r) => r.query['bookingStatus'])).toEqual(['pending']);
    expect(out.flatMap((p) => p.kinds.map((k) => [k.kind, k.page.items.map((t) => t.bankTransactionId)]))).toEqual([['pending', ['pending:p1']]]);
    await client.close();
  });

  it('a pending item without any date (filtered by an entry date the bank does not report) is given no invented date; booked ones carry no transaction date', async () => {
    const dateless: BerlinGroupTransaction = { transactionId: 'p-none', entryDate: addDays(today, -2), amountMinor: -990n, remittanceInformationUnstructured: 'vorgemerkt' };
    sandbox = await startBerlinGroupSandbox({
      users: [{ login: LOGIN, password: PASSWORD, accounts: [{ ...giro, booked: [booked(1)], pending: [dateless, pending(1)] }] }],
    });
    const { client, step } = await logIn(sandbox, berlinGroup);
    expect(client.manifest.dateFieldByKind).toEqual({ booked: 'bookingDate', pending: 'entryDate' });
    const items: Transaction[] = [];
    for await (const page of client.transactionKinds(grantOf(step), { bankAccountId: ACCOUNT, kinds: ['booked', 'pending'], window })) {
      if (!page.ok) throw new Error(page.error.message);
      for (const k of page.value.kinds) items.push(...k.page.items);
    }
    const dates = (t: Transaction | undefined) => t && { transactionDate: t.transactionDate, bookingDate: t.bookingDate, valueDate: t.valueDate };
    expect(dates(items.find((t) => t.bankTransactionId === 'pending:p-none'))).toEqual({ transactionDate: undefined, bookingDate: undefined, valueDate: undefined });
    expect(dates(items.find((t) => t.bankTransactionId === 'pending:p1'))).toEqual({ transactionDate: undefined, bookingDate: undefined, valueDate: addDays(today, -1) });
    expect(dates(items.find((t) => t.bankTransactionId === 'booked:b1'))).toEqual({ transactionDate: undefined, bookingDate: addDays(today, -1), valueDate: addDays(today, -1) });
    await client.close();
  });
});
