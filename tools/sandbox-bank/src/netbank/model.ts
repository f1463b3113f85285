/**
 * The net bank's data: personas checked and filled in, and their accounts, each bank
 * account with a ledger from the shared generator (seeded, generated on demand).
 */
import { dayNumber, type IsoDate } from '../calendar';
import { corporateAccount, creditCardAccount, personalAccount, timeDepositAccount } from '../generator/japanese';
import { AccountLedger } from '../generator/ledger';
import { logUniform, type LedgerProfile } from '../generator/profile';
import { hash32, pickBy, unit } from '../generator/prng';
import { displayBankName, displayBranchName, zenginBank, zenginBranches, type ZenginBranch } from '../zengin';
import {
  DEFAULT_OTP_CODE,
  DEFAULT_SECRET_QUESTIONS,
  checkRapidRule,
  type NetbankAccountConfig,
  type NetbankAccountKind,
  type NetbankAmountStyle,
  type NetbankChallengeStep,
  type NetbankDateStyle,
  type NetbankPersonaConfig,
  type NetbankRapidLoginRule,
  type NetbankSecretQuestion,
  type NormalisedNetbankBank,
} from './config';

/** An account at the net bank. */
export interface NetbankAccount {
  /** Id used in the bank's URLs (`/accounts/{id}`). */
  readonly id: string;
  /** Owning persona. */
  readonly personaId: string;
  /** Configured kind. */
  readonly kind: NetbankAccountKind;
  /** Kind as the bank names it (普通預金, 定期預金, クレジットカード, 外貨預金…). */
  readonly typeLabel: string;
  /** Branch code ("" for cards). */
  readonly branchCode: string;
  /** Branch name ("" for cards). */
  readonly branchName: string;
  /** Account number (seven digits), or the full card number for cards. */
  readonly number: string;
  /** The number as the pages show it (cards masked to the last four digits). */
  readonly displayNumber: string;
  /** Whether the bank can show this account's details online (外貨預金 and 投資信託 cannot). */
  readonly supported: boolean;
  /** The generated history; null for accounts the bank cannot show. */
  readonly ledger: AccountLedger | null;
  /** How the detail page writes amounts. */
  readonly amountStyle: NetbankAmountStyle;
  /** How the detail page writes dates. */
  readonly dateStyle: NetbankDateStyle;
}

/** A persona with defaults filled in. */
export interface NetbankPersona {
  readonly id: string;
  readonly password: string;
  readonly summary: string;
  readonly produces: NetbankPersonaConfig['produces'];
  readonly holderName: string;
  readonly challenges: readonly NetbankChallengeStep[];
  readonly secretQuestions: readonly NetbankSecretQuestion[];
  readonly otpCode: string;
  readonly otpEnabled: boolean;
  readonly termsPending: boolean;
  readonly loggedInElsewhere: boolean;
  readonly maintenance: boolean;
  readonly locked: 'temporary' | 'permanent' | undefined;
  readonly rapidLoginRule: NetbankRapidLoginRule | null;
  readonly fault: NetbankPersonaConfig['fault'];
  readonly layout: 'standard' | 'changed';
  /** The accounts, in the order the account list shows them. */
  readonly accounts: readonly NetbankAccount[];
  /** The account "branch code + account number" logs in with (the first bank account), if any. */
  readonly loginAccount: NetbankAccount | undefined;
}

const TYPE_LABEL: Record<NetbankAccountKind, string> = {
  ordinary: '普通預金',
  current: '当座預金',
  general: '総合口座',
  time: '定期預金',
  'credit-card': 'クレジットカード',
  'foreign-currency': '外貨預金',
  'investment-trust': '投資信託',
};

const DEFAULT_TRANSACTIONS: Record<NetbankAccountKind, number> = {
  ordinary: 150,
  current: 150,
  general: 150,
  time: 4,
  'credit-card': 60,
  'foreign-currency': 0,
  'investment-trust': 0,
};

/** The bank's personas and accounts. */
export class NetbankModel {
  /** Personas by id, in configuration order. */
  readonly personas: ReadonlyMap<string, NetbankPersona>;
  /** Accounts by id. */
  readonly accounts: ReadonlyMap<string, NetbankAccount>;
  /** The bank's name as the pages show it. */
  readonly bankName: string;
  /** The bank's name in Latin script (the configured one, else {@link bankName}). */
  readonly englishName: string;

  /** Builds the model; `anchorDate` is the day after the last day of generated history. */
  constructor(
    readonly bank: NormalisedNetbankBank,
    personas: readonly NetbankPersonaConfig[],
    readonly seed: string,
    readonly anchorDate: IsoDate,
  ) {
    const zengin = zenginBank(bank.bankCode);
    if (!/^\d{4}$/.test(bank.bankCode) || !zengin) throw new Error(`net bank: ${bank.bankCode} is not a bank code known to zengin-code`);
    this.bankName = bank.bankName ?? displayBankName(zengin);
    this.englishName = bank.englishName ?? this.bankName;
    const branches = zenginBranches(zengin).filter((b) => !b.name.includes('出張所'));
    const byCode = new Map(branches.map((b) => [b.code, b]));
    const anchor = dayNumber(anchorDate);
    const numberBase = hash32(seed, bank.bankCode, 'netbank-numbers') % 9_000_000;
    const accounts = new Map<string, NetbankAccount>();
    const numbers = new Set<string>();
    const map = new Map<string, NetbankPersona>();
    let ordinal = 0;
    for (const p of personas) {
      const where = `net bank persona ${p.id}`;
      if (!p.id || !/^[\x21-\x7e]+$/.test(p.id)) throw new Error(`${where}: the id must be printable ASCII without spaces`);
      if (!p.password) throw new Error(`${where}: a password is required`);
      if (map.has(p.id)) throw new Error(`${where}: duplicate id`);
      let home: ZenginBranch;
      if (p.branchCode !== undefined) {
        const b = byCode.get(p.branchCode);
        if (!b) throw new Error(`${where}: branch ${p.branchCode} is not a branch of bank ${bank.bankCode}`);
        home = b;
      } else {
        home = pickBy(branches, unit(seed, bank.bankCode, p.id, 'branch'));
      }
      const list = p.accounts ?? [{ kind: 'ordinary' }];
      const own: NetbankAccount[] = [];
      for (const a of list) {
        let number: string;
        if (a.number !== undefined && a.kind !== 'credit-card') {
          if (!/^\d{7}$/.test(a.number)) throw new Error(`${where}: account number ${a.number} must be seven digits`);
          number = a.number;
        } else {
          // Walk a permutation of 7-digit numbers (7919 is coprime with 9,000,000), skipping configured ones.
          do {
            number = String(1_000_000 + ((ordinal * 7919 + numberBase) % 9_000_000));
            ordinal++;
          } while (numbers.has(`${home.code}-${number}`));
        }
        const account = makeAccount(seed, p, a, number, home, anchor);
        const key = `${account.branchCode}-${account.number}`;
        if (numbers.has(key) || accounts.has(account.id)) throw new Error(`${where}: account ${key} is configured twice`);
        numbers.add(key);
        accounts.set(account.id, account);
        own.push(account);
      }
      const challenges = p.challenges ?? [];
      checkChallenges(challenges, where);
      const secretQuestions = p.secretQuestions ?? DEFAULT_SECRET_QUESTIONS;
      const securitySteps = challenges.filter((c) => c.kind === 'security').length;
      if (securitySteps > secretQuestions.length) throw new Error(`${where}: ${securitySteps} secret-question steps need as many questions`);
      if (p.rapidLoginRule) checkRapidRule(p.rapidLoginRule);
      const otpCode = p.otpCode ?? DEFAULT_OTP_CODE;
      if (otpCode === '') throw new Error(`${where}: empty otpCode`);
      map.set(p.id, {
        id: p.id,
        password: p.password,
        summary: p.summary ?? '',
        produces: p.produces,
        holderName: p.holderName ?? 'ヤマダ　タロウ',
        challenges,
        secretQuestions,
        otpCode,
        otpEnabled: p.otpEnabled ?? false,
        termsPending: p.termsPending ?? false,
        loggedInElsewhere: p.loggedInElsewhere ?? false,
        maintenance: p.maintenance ?? false,
        locked: p.locked,
        rapidLoginRule: p.rapidLoginRule === undefined ? bank.rapidLoginRule : p.rapidLoginRule,
        fault: p.fault,
        layout: p.layout ?? 'standard',
        accounts: own,
        loginAccount: own.find((a) => a.kind !== 'credit-card'),
      });
    }
    this.personas = map;
    this.accounts = accounts;
  }

  /** A persona by id; throws when unknown. */
  persona(id: string): NetbankPersona {
    const p = this.personas.get(id);
    if (!p) throw new Error(`net bank: no persona ${id}`);
    return p;
  }

  /** An account by id; throws when unknown. */
  account(id: string): NetbankAccount {
    const a = this.accounts.get(id);
    if (!a) throw new Error(`net bank: no account ${id}`);
    return a;
  }

  /** The persona whose login account is at `branchCode` with `accountNumber`. */
  personaByAccount(branchCode: string, accountNumber: string): NetbankPersona | undefined {
    for (const p of this.personas.values()) {
      if (p.loginAccount && p.loginAccount.branchCode === branchCode && p.loginAccount.number === accountNumber) return p;
    }
    return undefined;
  }
}

function checkChallenges(steps: readonly NetbankChallengeStep[], where: string): void {
  for (const s of steps) {
    const when = 'when' in s ? s.when : undefined;
    if (when !== undefined && when !== 'always' && when !== 'new-device' && !(when === 'when-enabled' && s.kind === 'otp')) {
      throw new Error(`${where}: a ${s.kind} step cannot be asked "${String(when)}"`);
    }
  }
}

function makeAccount(seed: string, p: NetbankPersonaConfig, a: NetbankAccountConfig, number: string, home: ZenginBranch, anchor: number): NetbankAccount {
  const kind = a.kind ?? 'ordinary';
  const card = kind === 'credit-card';
  const id = card ? `C${number}` : `${home.code}${number}`;
  const cardNumber = `4${number}${String(hash32(seed, id, 'card') % 100_000_000).padStart(8, '0')}`;
  const supported = kind !== 'foreign-currency' && kind !== 'investment-trust';
  const plain = kind === 'ordinary' || kind === 'current' || kind === 'general';
  return {
    id,
    personaId: p.id,
    kind,
    typeLabel: TYPE_LABEL[kind],
    branchCode: card ? '' : home.code,
    branchName: card ? '' : displayBranchName(home),
    number: card ? cardNumber : number,
    displayNumber: card ? `****-****-****-${cardNumber.slice(-4)}` : number,
    supported,
    ledger: supported ? makeLedger(seed, id, kind, a, anchor, p.id) : null,
    amountStyle: a.amountStyle ?? (plain ? 'yen-sign' : 'triangle'),
    dateStyle: a.dateStyle ?? (plain ? 'slash' : 'kanji'),
  };
}

function makeLedger(seed: string, id: string, kind: NetbankAccountKind, a: NetbankAccountConfig, anchor: number, personaId: string): AccountLedger {
  const where = `net bank persona ${personaId}`;
  const transactions = a.transactions ?? DEFAULT_TRANSACTIONS[kind];
  const historyDays = a.historyDays ?? 180;
  if (!Number.isInteger(transactions) || transactions < 0 || transactions > 10_000_000) throw new Error(`${where}: transactions must be an integer in 0..10000000`);
  if (!Number.isInteger(historyDays) || historyDays < 1 || historyDays > 36_500) throw new Error(`${where}: historyDays must be an integer in 1..36500`);
  if (a.openingBalance !== undefined && !Number.isSafeInteger(a.openingBalance)) throw new Error(`${where}: openingBalance must be an integer`);
  const u = unit(seed, id, 'opening');
  const card = kind === 'credit-card';
  const profile: LedgerProfile = card ? creditCardAccount : kind === 'time' ? timeDepositAccount : kind === 'current' ? corporateAccount : personalAccount;
  const opening =
    a.openingBalance ??
    (card ? 0 : kind === 'time' ? pickBy([1_000_000, 2_000_000, 3_000_000, 5_000_000], u) : kind === 'current' ? logUniform(u, 3_000_000, 30_000_000) : logUniform(u, 100_000, 2_000_000));
  return new AccountLedger({
    seed,
    accountId: id,
    profile,
    firstDay: anchor - historyDays,
    historyDays,
    transactions,
    openingBalance: opening,
    targetBalance: card ? -logUniform(u, 30_000, 150_000) : Math.max(opening, 100_000),
    ongoing: true,
  });
}
