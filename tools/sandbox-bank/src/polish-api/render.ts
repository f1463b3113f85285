/**
 * Writing the bank's records in the spec's shapes: AccountBaseInfo, AccountInfo,
 * TransactionInfo and its pending / rejected / cancelled / scheduled variants, HoldInfo,
 * TransactionDetailResponse, ScopeDetailsOutput. Amounts are the spec's unsigned decimal
 * strings ("123.45", direction in `transactionCategory`); balances may be negative.
 */
import { localDateTime, type IsoDate } from '../calendar';
import { hash32 } from '../generator/prng';
import type { Counterparty, ItemRecord } from './activity';
import type { AisPrivilege, Consent, PrivilegeGrant, PrivilegeSet } from './consents';
import { HISTORY_PRIVILEGES } from './consents';
import type { NormalisedPolishBank } from './config';
import type { PolishAccount } from './model';

/** A JSON object. */
export type Json = Record<string, unknown>;

/** What rendering needs from the bank. */
export interface RenderContext {
  readonly bank: NormalisedPolishBank;
  readonly dateTimeFormat: 'offset' | 'local';
}

/** Minor units as the spec's decimal string with two places: 12345 → "123.45", -5 → "-0.05". */
export function formatMinor(minor: number | bigint): string {
  const v = BigInt(minor);
  const abs = v < 0n ? -v : v;
  const text = `${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
  return v < 0n ? `-${text}` : text;
}

/** A decimal amount string of the spec (`^(0|[1-9]\d*)\.\d{2}$`) as minor units; null when malformed. */
export function parseAmount(text: unknown): number | null {
  if (typeof text !== 'string' || !/^(0|[1-9]\d{0,13})\.\d{2}$/.test(text)) return null;
  const [whole, cents] = text.split('.') as [string, string];
  return Number(whole) * 100 + Number(cents);
}

/** A calendar date and time of day in the bank's format. */
export function dateTime(ctx: RenderContext, date: IsoDate, seconds: number): string {
  const full = localDateTime(date, seconds, ctx.bank.timeZone);
  return ctx.dateTimeFormat === 'offset' ? full : full.slice(0, 19);
}

/** An instant in the bank's format. */
export function instant(ctx: RenderContext, at: Date): string {
  if (ctx.dateTimeFormat === 'offset') return at.toISOString();
  return at.toISOString().slice(0, 19);
}

const line = (s: string): string => (s.length > 35 ? s.slice(0, 35) : s);

function nameAddress(lines: readonly (string | undefined)[]): Json {
  const value = lines.filter((l): l is string => l !== undefined && l !== '').slice(0, 4).map(line);
  return { value: value.length > 0 ? value : ['-'] };
}

/** Masks all but the last four digits of an account number (getAccounts may show numbers "partly masked"). */
export function maskAccountNumber(iban: string): string {
  return `${iban.slice(0, 2)}${'*'.repeat(iban.length - 6)}${iban.slice(-4)}`;
}

/** An account as getAccounts lists it. */
export function accountBaseInfo(account: PolishAccount, masked: boolean): Json {
  return {
    accountNumber: masked ? maskAccountNumber(account.iban) : account.iban,
    accountTypeName: account.type.name,
    accountType: { code: account.type.code, description: account.type.description },
    psuRelations: [{ typeOfRelation: 'Owner', stake: 100 }],
  };
}

/** An account as getAccount answers it; balances in minor units. */
export function accountInfo(ctx: RenderContext, account: PolishAccount, bookingBalance: number, availableBalance: number): Json {
  return {
    accountNumber: account.iban,
    nameAddress: nameAddress([account.holder.name, ...account.holder.address]),
    accountType: { code: account.type.code, description: account.type.description },
    accountTypeName: account.type.name,
    accountHolderType: account.holder.type,
    ...(account.clientName !== undefined ? { accountNameClient: account.clientName } : {}),
    currency: account.currency,
    availableBalance: formatMinor(Math.max(0, availableBalance)),
    bookingBalance: formatMinor(bookingBalance),
    bank: { bicOrSwift: ctx.bank.bic, name: ctx.bank.bankName, address: ctx.bank.bankAddress.map(line) },
    psuRelations: [{ typeOfRelation: 'Owner', stake: 100 }],
  };
}

function owner(ctx: RenderContext, account: PolishAccount): Json {
  return {
    accountNumber: account.iban,
    nameAddress: nameAddress([account.holder.name, ...account.holder.address]),
    bank: { bicOrSwift: ctx.bank.bic, name: ctx.bank.bankName, countryCode: 'POL' },
  };
}

function other(party: Counterparty | undefined): Json {
  if (!party) return { nameAddress: nameAddress(['-']) };
  return {
    ...(party.iban !== undefined ? { accountNumber: party.iban } : {}),
    nameAddress: nameAddress([party.name, party.street, party.city]),
    ...(party.bank !== undefined ? { bank: { bicOrSwift: party.bank.bic, name: party.bank.name, countryCode: 'POL' } } : {}),
  };
}

const STATUS: Record<ItemRecord['kind'], { readonly code: string; readonly description: string }> = {
  done: { code: 'DONE', description: 'Zaksięgowana' },
  pending: { code: 'PENDING', description: 'Oczekująca' },
  hold: { code: 'HOLD', description: 'Blokada' },
  scheduled: { code: 'SCHEDULED', description: 'Zaplanowana' },
  rejected: { code: 'REJECTED', description: 'Odrzucona' },
  cancelled: { code: 'CANCELLED', description: 'Anulowana' },
};

/** The fields every item has (ItemInfoBase). */
function base(ctx: RenderContext, account: PolishAccount, r: ItemRecord): Json {
  return {
    itemId: r.itemId,
    amount: formatMinor(Math.abs(r.amount)),
    currency: account.currency,
    description: r.description.slice(0, 140),
    transactionType: r.transactionType.slice(0, 100),
    tradeDate: dateTime(ctx, r.tradeDate, r.tradeSeconds),
    ...(r.card && r.mcc !== undefined ? { mcc: r.mcc } : {}),
  };
}

function parties(ctx: RenderContext, account: PolishAccount, r: ItemRecord): Json {
  const credit = r.amount > 0;
  return {
    ...(credit ? {} : { initiator: nameAddress([account.holder.name]) }),
    sender: credit ? other(r.party) : owner(ctx, account),
    recipient: credit ? owner(ctx, account) : other(r.party),
  };
}

/** An item in the shape of its list (TransactionInfo, TransactionPendingInfo, HoldInfo…). */
export function itemInfo(ctx: RenderContext, account: PolishAccount, r: ItemRecord): Json {
  const common = { ...base(ctx, account, r), ...parties(ctx, account, r) };
  const category = { transactionCategory: r.amount > 0 ? 'CREDIT' : 'DEBIT' };
  switch (r.kind) {
    case 'done':
      return {
        ...common,
        ...category,
        transactionStatus: STATUS.done,
        ...(r.bookingDate !== undefined ? { bookingDate: dateTime(ctx, r.bookingDate, r.bookingSeconds ?? r.tradeSeconds) } : {}),
        ...(r.balanceAfter !== undefined ? { postTransactionBalance: formatMinor(r.balanceAfter) } : {}),
      };
    case 'pending':
      return { ...common, ...category };
    case 'rejected':
      return {
        ...common,
        ...category,
        ...(r.rejectionReason !== undefined ? { rejectionReason: r.rejectionReason } : {}),
        ...(r.rejectionDate !== undefined ? { rejectionDate: dateTime(ctx, r.rejectionDate, 43_200) } : {}),
      };
    case 'cancelled':
    case 'scheduled':
      return { ...common, ...category, transactionStatus: STATUS[r.kind] };
    case 'hold':
      return { ...common, ...(r.holdExpirationDate !== undefined ? { holdExpirationDate: dateTime(ctx, r.holdExpirationDate, 86_399) } : {}) };
  }
}

/** getTransactionDetail's answer body (without responseHeader). */
export function transactionDetail(ctx: RenderContext, account: PolishAccount, r: ItemRecord): Json {
  const info: Json = {
    ...base(ctx, account, r),
    ...parties(ctx, account, r),
    transactionCategory: r.amount > 0 ? 'CREDIT' : 'DEBIT',
    transactionStatus: STATUS[r.kind],
    ...(r.bookingDate !== undefined ? { bookingDate: dateTime(ctx, r.bookingDate, r.bookingSeconds ?? r.tradeSeconds) } : {}),
    ...(r.balanceAfter !== undefined ? { postTransactionBalance: formatMinor(r.balanceAfter) } : {}),
  };
  const card = r.card ? { cardHolder: account.holder.name, cardNumber: `**** **** **** ${String(hash32(account.iban, 'card') % 10_000).padStart(4, '0')}` } : undefined;
  return {
    baseInfo: info,
    ...(card ? { cardInfo: card, usedPaymentInstrumentId: `CARD-${String(hash32(account.iban, 'card-id') % 1_000_000).padStart(6, '0')}` } : {}),
    ...(r.rejectionReason !== undefined ? { rejectionReason: r.rejectionReason } : {}),
    ...(r.holdExpirationDate !== undefined ? { holdExpirationDate: dateTime(ctx, r.holdExpirationDate, 86_399) } : {}),
  };
}

function privilegeOut(name: AisPrivilege, grant: PrivilegeGrant): Json {
  return HISTORY_PRIVILEGES.has(name) ? { scopeUsageLimit: grant.scopeUsageLimit, maxAllowedHistoryLong: grant.maxAllowedHistoryLong ?? 90 } : { scopeUsageLimit: grant.scopeUsageLimit };
}

/** ScopeDetailsOutput of a granted consent. */
export function scopeDetailsOutput(ctx: RenderContext, consent: Consent): Json {
  const list: Json[] = [];
  if (consent.listAccounts) list.push({ 'ais-accounts:getAccounts': privilegeOut('ais-accounts:getAccounts', consent.listAccounts) });
  for (const [accountNumber, privileges] of consent.accounts) {
    const entry: Json = { accountNumber };
    for (const [name, grant] of Object.entries(privileges as PrivilegeSet) as Array<[AisPrivilege, PrivilegeGrant]>) entry[name] = privilegeOut(name, grant);
    list.push(entry);
  }
  return {
    privilegeList: list,
    consentId: consent.consentId,
    scopeTimeLimit: instant(ctx, new Date(consent.scopeTimeLimit)),
    throttlingPolicy: 'psd2Regulatory',
  };
}
