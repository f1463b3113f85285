/**
 * A PolishAPI bank's data: its PSUs, their accounts (each with a generated ledger of booked
 * transactions and its {@link AccountActivity}: pending, holds, scheduled, rejected and
 * cancelled items) — built deterministically from the config, the seed and the anchor date.
 */
import { dayNumber, type IsoDate } from '../calendar';
import { LayoutLedger, type Ledger } from '../bank-common-api/layout-ledger';
import { AccountLedger } from '../generator/ledger';
import { businessAccount, personalAccount, polishCompany, polishPerson, savingsAccount } from '../generator/polish';
import { logUniform, type LedgerProfile } from '../generator/profile';
import { hash32, pickBy, unit } from '../generator/prng';
import { AccountActivity } from './activity';
import type { NormalisedPolishAccount, NormalisedPolishBank, NormalisedPolishUser, PolishAccountKind } from './config';
import { polishIban, type Iban } from './iban';

/** An account's type as the spec's DictionaryItem plus the bank's type name. */
export interface PolishAccountType {
  /** `accountType.code`. */
  readonly code: string;
  /** `accountType.description`. */
  readonly description: string;
  /** `accountTypeName` (≤ 32 characters). */
  readonly name: string;
}

const TYPES: Record<PolishAccountKind, PolishAccountType> = {
  personal: { code: 'ROR', description: 'Rachunek oszczędnościowo-rozliczeniowy', name: 'Konto Osobiste' },
  savings: { code: 'SAV', description: 'Rachunek oszczędnościowy', name: 'Konto Oszczędnościowe' },
  business: { code: 'BIZ', description: 'Rachunek bieżący', name: 'Konto Firmowe' },
};

const PRODUCT: Record<PolishAccountKind, string> = { personal: '2000', savings: '2100', business: '3000' };

/** The holder of an account as the bank prints it. */
export interface PolishHolder {
  /** Person's full name or company name. */
  readonly name: string;
  /** Address lines: street, `postcode city`. */
  readonly address: readonly string[];
  /** `individual` or `corporation`. */
  readonly type: 'individual' | 'corporation';
}

/** An account of a PSU. */
export interface PolishAccount {
  /** The account number (IBAN, electronic form) used by the API. */
  readonly iban: Iban;
  /** Short key: the 16 account digits; prefixes every item id of the account. */
  readonly key: string;
  /** The owning PSU's login. */
  readonly login: string;
  /** The configured kind. */
  readonly kind: PolishAccountKind;
  /** Type code, description and name. */
  readonly type: PolishAccountType;
  /** Currency (ISO 4217). */
  readonly currency: string;
  /** The PSU's own name for the account, if any. */
  readonly clientName: string | undefined;
  /** The holder. */
  readonly holder: PolishHolder;
  /** Booked transactions (amounts in minor units): generated, or laid out exactly (`transactionsByDate`). */
  readonly ledger: Ledger;
  /** Everything not (yet) booked, and what turned into bookings. */
  readonly activity: AccountActivity;
}

/** One bank's PSUs and accounts. */
export class PolishBankModel {
  /** Accounts by IBAN. */
  readonly accounts: ReadonlyMap<Iban, PolishAccount>;
  /** Users by login. */
  readonly users: ReadonlyMap<string, NormalisedPolishUser>;
  /** Holders by login. */
  readonly holders: ReadonlyMap<string, PolishHolder>;

  /** Builds the bank; `anchorDate` is the day after the last day of generated history. */
  constructor(
    readonly config: NormalisedPolishBank,
    readonly seed: string,
    readonly anchorDate: IsoDate,
  ) {
    const anchor = dayNumber(anchorDate);
    const accounts = new Map<Iban, PolishAccount>();
    const holders = new Map<string, PolishHolder>();
    let ordinal = 0;
    for (const user of config.users) {
      const holder = holderOf(seed, config.bankCode, user);
      holders.set(user.login, holder);
      const branch = String(1 + (hash32(seed, config.bankCode, user.login, 'branch') % 9_999)).padStart(4, '0');
      for (const acc of user.accounts) {
        ordinal++;
        const tail = String(hash32(seed, config.bankCode, user.login, ordinal, 'number') % 100_000_000).padStart(8, '0');
        const key = `${PRODUCT[acc.kind]}${String(ordinal).padStart(4, '0')}${tail}`;
        const account = makeAccount(seed, config, user, holder, acc, polishIban(config.bankCode, branch, key), key, anchor);
        accounts.set(account.iban, account);
      }
    }
    this.accounts = accounts;
    this.users = new Map(config.users.map((u) => [u.login, u]));
    this.holders = holders;
  }

  /** A user's accounts in the bank's order. */
  accountsOf(login: string): PolishAccount[] {
    return [...this.accounts.values()].filter((a) => a.login === login);
  }
}

function holderOf(seed: string, bankCode: string, user: NormalisedPolishUser): PolishHolder {
  const u = unit(seed, bankCode, user.login, 'holder');
  const generated = user.holderType === 'corporation' ? polishCompany(u) : polishPerson(u);
  return {
    name: user.name ?? generated.name,
    address: user.address ?? [generated.street, generated.city],
    type: user.holderType,
  };
}

function makeAccount(
  seed: string,
  config: NormalisedPolishBank,
  user: NormalisedPolishUser,
  holder: PolishHolder,
  acc: NormalisedPolishAccount,
  iban: Iban,
  key: string,
  anchor: number,
): PolishAccount {
  const u = unit(seed, iban, 'opening');
  const profile: LedgerProfile = acc.kind === 'savings' ? savingsAccount : acc.kind === 'business' ? businessAccount : personalAccount;
  const opening =
    acc.openingBalance ??
    (acc.kind === 'savings' ? pickBy([1_000_000, 2_500_000, 5_000_000, 10_000_000], u) : acc.kind === 'business' ? logUniform(u, 2_000_000, 50_000_000) : logUniform(u, 100_000, 3_000_000));
  const common = { seed, accountId: key, profile, openingBalance: opening, targetBalance: Math.max(opening, 200_000) };
  const ledger: Ledger =
    acc.layout !== undefined
      ? new LayoutLedger(common, acc.layout)
      : new AccountLedger({ ...common, firstDay: anchor - acc.historyDays, historyDays: acc.historyDays, transactions: acc.transactions, ongoing: acc.ongoing });
  const base = { iban, key, login: user.login, kind: acc.kind, type: TYPES[acc.kind], currency: acc.currency, clientName: acc.name, holder, ledger };
  return { ...base, activity: new AccountActivity({ seed, bankCode: config.bankCode, account: base, anchor, enabled: acc.activity }) };
}
