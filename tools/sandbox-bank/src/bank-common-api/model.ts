/**
 * A bank's data: its users, their accounts (each with a generated ledger) and its real
 * branch list. Built deterministically from the config, the seed and the anchor date.
 */
import { dayNumber, type IsoDate } from '../calendar';
import { corporateAccount, creditCardAccount, personalAccount, timeDepositAccount } from '../generator/japanese';
import { AccountLedger } from '../generator/ledger';
import { LayoutLedger, type Ledger } from './layout-ledger';
import { logUniform, type LedgerProfile } from '../generator/profile';
import { hash32, pickBy, unit } from '../generator/prng';
import { displayBranchName, zenginBank, zenginBranches, type ZenginBranch } from '../zengin';
import type { AccountKind, NormalisedAccount, NormalisedBankConfig, NormalisedUser } from './config';

/** An account held by a user at the bank. */
export interface SandboxAccount {
  /** The account id used by the API (`account_id`). */
  readonly id: string;
  /** The owning user's login id. */
  readonly userId: string;
  /** Account number, unmasked (seven digits; a card's number for card accounts). */
  readonly number: string;
  /** `p` 個人 or `c` 法人. */
  readonly ownerType: 'p' | 'c';
  /** The configured kind. */
  readonly kind: AccountKind;
  /** `bank` or `cc`. */
  readonly accountType1: 'bank' | 'cc';
  /** 普通, 当座, 総合, 定期 or クレジットカード. */
  readonly accountType2: string;
  /** Branch code ("" for card accounts). */
  readonly branchCode: string;
  /** Branch name ("" for card accounts). */
  readonly branchName: string;
  /** The history: generated, or laid out exactly (`transactionsByDate`). */
  readonly ledger: Ledger;
}

/** A branch as GET /branches lists it (the spec's field names). */
export interface BranchItem {
  readonly id: string;
  readonly branch_code: string;
  readonly branch_name: string;
  readonly branch_name_kana: string;
  readonly address_code: string;
  readonly tel: string;
}

const TYPE2: Record<AccountKind, string> = { ordinary: '普通', current: '当座', general: '総合', time: '定期', 'credit-card': 'クレジットカード' };

// Real 団体コード (municipality codes, with check digit) and the area code of each place.
const PLACES: ReadonlyArray<readonly [string, string]> = [
  ['131016', '03'], ['131024', '03'], ['131032', '03'], ['131041', '03'], ['131059', '03'], ['131067', '03'],
  ['131091', '03'], ['131105', '03'], ['131130', '03'], ['131164', '03'], ['132012', '042'], ['011002', '011'],
  ['041009', '022'], ['111007', '048'], ['121002', '043'], ['141003', '045'], ['141305', '044'], ['151009', '025'],
  ['221007', '054'], ['231002', '052'], ['261009', '075'], ['271004', '06'], ['281000', '078'], ['341002', '082'],
  ['401307', '092'],
];

/** One bank's users, accounts and branches. */
export class BankModel {
  /** Accounts by id. */
  readonly accounts: ReadonlyMap<string, SandboxAccount>;
  /** Users by login id. */
  readonly users: ReadonlyMap<string, NormalisedUser>;
  private branchList: BranchItem[] | undefined;

  /** Builds the bank; `anchorDate` is the day after the last day of generated history. */
  constructor(
    readonly config: NormalisedBankConfig,
    readonly seed: string,
    readonly anchorDate: IsoDate,
  ) {
    const anchor = dayNumber(anchorDate);
    const bank = zenginBank(config.bankCode);
    if (!bank) throw new Error(`unknown bank ${config.bankCode}`);
    const branches = zenginBranches(bank).filter((b) => !b.name.includes('出張所'));
    const numberBase = hash32(seed, config.bankCode, 'account-numbers') % 9_000_000;
    const accounts = new Map<string, SandboxAccount>();
    let ordinal = 0;
    for (const user of config.users) {
      const home = pickBy(branches, unit(seed, config.bankCode, user.id, 'branch'));
      for (const acc of user.accounts) {
        // 7919 is prime and coprime with 9,000,000: distinct ordinals give distinct numbers.
        const number = String(1_000_000 + ((ordinal * 7919 + numberBase) % 9_000_000));
        ordinal++;
        const account = makeAccount(seed, user, acc, number, home, anchor);
        accounts.set(account.id, account);
      }
    }
    this.accounts = accounts;
    this.users = new Map(config.users.map((u) => [u.id, u]));
  }

  /** A user's accounts in the bank's order. */
  accountsOf(userId: string): SandboxAccount[] {
    return [...this.accounts.values()].filter((a) => a.userId === userId);
  }

  /** The bank's real branches (from zengin-code), ordered by branch code. */
  branches(): readonly BranchItem[] {
    if (!this.branchList) {
      const bank = zenginBank(this.config.bankCode);
      const code = this.config.bankCode;
      this.branchList = (bank ? zenginBranches(bank) : []).map((b: ZenginBranch): BranchItem => {
        const [addressCode, areaCode] = pickBy(PLACES, unit(this.seed, code, b.code, 'place'));
        const digits = String(hash32(this.seed, code, b.code, 'tel') % 100_000_000).padStart(8, '0');
        return {
          id: `${code}${b.code}`,
          branch_code: b.code,
          branch_name: displayBranchName(b),
          branch_name_kana: b.kana,
          address_code: addressCode,
          tel: `${areaCode}${digits}`.slice(0, 10),
        };
      });
    }
    return this.branchList;
  }
}

function makeAccount(seed: string, user: NormalisedUser, acc: NormalisedAccount, number: string, home: ZenginBranch, anchor: number): SandboxAccount {
  const card = acc.kind === 'credit-card';
  const id = card ? `C${number}` : `${home.code}${number}`;
  const u = unit(seed, id, 'opening');
  const profile: LedgerProfile = card ? creditCardAccount : acc.kind === 'time' ? timeDepositAccount : user.ownerType === 'c' ? corporateAccount : personalAccount;
  const opening =
    acc.openingBalance ??
    (card ? 0 : acc.kind === 'time' ? pickBy([1_000_000, 2_000_000, 3_000_000, 5_000_000, 10_000_000], u) : user.ownerType === 'c' ? logUniform(u, 3_000_000, 50_000_000) : logUniform(u, 100_000, 3_000_000));
  const target = card ? -logUniform(u, 30_000, 150_000) : Math.max(opening, 100_000);
  return {
    id,
    userId: user.id,
    number: card ? `4${number}${String(hash32(seed, id, 'card') % 100_000_000).padStart(8, '0')}` : number,
    ownerType: user.ownerType,
    kind: acc.kind,
    accountType1: card ? 'cc' : 'bank',
    accountType2: TYPE2[acc.kind],
    branchCode: card ? '' : home.code,
    branchName: card ? '' : displayBranchName(home),
    ledger:
      acc.layout !== undefined
        ? new LayoutLedger({ seed, accountId: id, profile, openingBalance: opening, targetBalance: target }, acc.layout)
        : new AccountLedger({
            seed,
            accountId: id,
            profile,
            firstDay: anchor - acc.historyDays,
            historyDays: acc.historyDays,
            transactions: acc.transactions,
            openingBalance: opening,
            targetBalance: target,
            ongoing: acc.ongoing,
          }),
  };
}
