/**
 * Real Japanese bank and branch codes from the `zengin-code` package. Its data file is
 * 5 MB and takes a noticeable moment to load, so it is loaded on first use only.
 */
import { createRequire } from 'node:module';

/** A branch as zengin-code lists it. */
export interface ZenginBranch {
  /** Branch code, three digits. */
  readonly code: string;
  /** Name without 支店 (e.g. 東京営業部, 丸之内). */
  readonly name: string;
  /** Name in katakana (zengin style, large kana). */
  readonly kana: string;
}

/** A bank as zengin-code lists it. */
export interface ZenginBank {
  /** Bank code, four digits. */
  readonly code: string;
  /** Name without 銀行 (e.g. みずほ, 三菱ＵＦＪ). */
  readonly name: string;
  /** Name in katakana. */
  readonly kana: string;
  /** Branches keyed by branch code. */
  readonly branches: Readonly<Record<string, ZenginBranch>>;
}

let data: Readonly<Record<string, ZenginBank>> | undefined;

function zengin(): Readonly<Record<string, ZenginBank>> {
  data ??= createRequire(__filename)('zengin-code') as Readonly<Record<string, ZenginBank>>;
  return data;
}

/** The bank with this code, or undefined when zengin-code does not know it. */
export function zenginBank(code: string): ZenginBank | undefined {
  return Object.prototype.hasOwnProperty.call(zengin(), code) ? zengin()[code] : undefined;
}

/** A bank's branches ordered by branch code. */
export function zenginBranches(bank: ZenginBank): readonly ZenginBranch[] {
  return Object.values(bank.branches).sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/**
 * The name a bank uses for itself: zengin-code drops 銀行 from bank names, so banks
 * (codes below 1000) get it back; credit unions and others keep their names as listed.
 */
export function displayBankName(bank: ZenginBank): string {
  return Number(bank.code) < 1000 && !bank.name.endsWith('銀行') ? `${bank.name}銀行` : bank.name;
}

/** The name a branch shows: 支店 appended unless the name already says what it is (本店, 営業部, 出張所…). */
export function displayBranchName(branch: ZenginBranch): string {
  return /(店|部|所|センター|号|室|支社)$/.test(branch.name) ? branch.name : `${branch.name}支店`;
}
