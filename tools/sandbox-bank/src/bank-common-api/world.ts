/**
 * The banks of one sandbox run, built from the options: configs checked, data anchored,
 * one {@link BankCommonApiBank} per bank code. Shared by the server and by the truth API.
 */
import { dateInZone, isIsoDate, type IsoDate } from '../calendar';
import { systemClock, type Clock } from '../clock';
import { BankCommonApiBank } from './bank';
import { normaliseBankConfig, type BankCommonApiBankConfig } from './config';
import { BankModel } from './model';

/** What determines the sandbox's banks and data. */
export interface BankCommonApiDataOptions {
  /** The banks. */
  readonly banks: readonly BankCommonApiBankConfig[];
  /** Seed of all generated data (default `kinko`). The same seed, config and anchor date give the same data. */
  readonly seed?: string | number;
  /** "Now" for the sandbox (default: the real time). */
  readonly clock?: Clock;
  /**
   * The day after the last day of generated history (default: today in each bank's zone
   * when the sandbox starts). Later days get new transactions as the clock reaches them.
   */
  readonly anchorDate?: IsoDate;
}

/** Builds the banks; throws on invalid or duplicate configs. */
export function createBanks(options: BankCommonApiDataOptions): BankCommonApiBank[] {
  const clock = options.clock ?? systemClock;
  const seed = String(options.seed ?? 'kinko');
  if (options.anchorDate !== undefined && !isIsoDate(options.anchorDate)) throw new Error(`anchorDate must be YYYY-MM-DD, got ${options.anchorDate}`);
  const seen = new Set<string>();
  return options.banks.map((raw) => {
    const config = normaliseBankConfig(raw);
    if (seen.has(config.bankCode)) throw new Error(`bank ${config.bankCode} is configured twice`);
    seen.add(config.bankCode);
    const anchor = options.anchorDate ?? dateInZone(clock(), config.timeZone);
    return new BankCommonApiBank(new BankModel(config, seed, anchor), clock);
  });
}
