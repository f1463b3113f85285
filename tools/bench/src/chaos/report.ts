import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChaosFigures, ChaosOptions } from './chaos';

/** What `pnpm chaos` writes: the figures, how they were obtained, and whether the run passed. */
export interface ChaosResult {
  readonly date: string;
  readonly machine: { readonly cpus: number; readonly node: string; readonly platform: string };
  readonly parameters: Omit<ChaosOptions, 'workDir' | 'progress'>;
  readonly figures: ChaosFigures;
  /** Lost, extra, duplicated, stuck and unexpected exits are all 0. */
  readonly passed: boolean;
}

/** Whether the figures are what survival means: nothing lost, extra, duplicated or stuck, no crash. */
export const chaosPassed = (f: ChaosFigures): boolean => f.lost === 0 && f.extra === 0 && f.duplicated === 0 && f.stuck === 0 && f.unexpectedExits === 0;

export function chaosResult(options: ChaosOptions, figures: ChaosFigures, now: Date = new Date()): ChaosResult {
  const { workDir: _w, progress: _p, ...parameters } = options;
  return {
    date: now.toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
    parameters,
    figures,
    passed: chaosPassed(figures),
  };
}

/** The Markdown report (CHAOS.md). */
export function chaosMarkdown(r: ChaosResult): string {
  const f = r.figures;
  const rows: Array<[string, string]> = [
    ['worker SIGKILLs', String(f.kills)],
    ['… of which while a session of the round was running', String(f.killsDuringSync)],
    ['PostgreSQL immediate stops (restarted)', String(f.outages)],
    ['withdrawals / disconnects mid-sync', String(f.withdrawals)],
    ['rounds of first syncs', String(f.rounds)],
    ['sessions by status', Object.entries(f.sessions).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['bank rows checked', String(f.rowsChecked)],
    ['lost', String(f.lost)],
    ['extra', String(f.extra)],
    ['duplicated', String(f.duplicated)],
    ['stuck', String(f.stuck)],
    ['unexpected process exits', String(f.unexpectedExits)],
    ['duration', `${f.durationS.toFixed(1)} s`],
  ];
  return [
    '# Chaos run',
    '',
    `Written by \`pnpm chaos\` (tools/bench/src/chaos) on ${r.date}: ${r.machine.cpus} CPUs, Node ${r.machine.node}, ${r.machine.platform}. Seed ${f.seed}.`,
    '',
    'The built app (an API process and worker processes) syncs a 銀行共通API sandbox bank on loopback into its own embedded PostgreSQL.',
    'In rounds, new users connect through the API (their first syncs start); meanwhile a random worker is SIGKILLed at random moments and',
    'restarted, PostgreSQL is stopped immediately (SIGQUIT, `pg_ctl stop -m immediate`) and restarted, and a user withdraws the consent or',
    'disconnects. Then every session settles, the surviving users sync once more without chaos, and the database is compared with the',
    "bank's truth: every bank transaction stored once with its amount (lost, extra, duplicated), no session unfinished and no connection",
    'left `running.*` (stuck).',
    '',
    `**${r.passed ? 'Passed' : 'FAILED'}**`,
    '',
    '| Figure | Value |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `Parameters: ${Object.entries(r.parameters).map(([k, v]) => `${k} ${String(v)}`).join(', ')}.`,
    '',
  ].join('\n');
}

/** Writes `<resultsDir>/<date>.json` and the Markdown report; returns their paths. */
export function writeChaosResult(r: ChaosResult, resultsDir: string, markdownPath: string): { json: string; markdown: string } {
  fs.mkdirSync(resultsDir, { recursive: true });
  const json = path.join(resultsDir, `${r.date.slice(0, 10)}.json`);
  fs.writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  fs.mkdirSync(path.dirname(markdownPath), { recursive: true });
  fs.writeFileSync(markdownPath, chaosMarkdown(r));
  return { json, markdown: markdownPath };
}
