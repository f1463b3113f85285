#!/usr/bin/env node
/**
 * `pnpm create-connector <id> --flow redirect|credentials [--name "Acme Bank"] [--country PL]
 * [--currency PLN] [--time-zone Europe/Warsaw] [--no-install]`
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ScaffoldError, scaffoldConnector, type ScaffoldFlow } from './scaffold';

const USAGE = 'usage: pnpm create-connector <id> --flow redirect|credentials [--name NAME] [--country XX] [--currency XXX] [--time-zone Zone/Name] [--no-install]';

function workspaceRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new ScaffoldError('no pnpm-workspace.yaml above the current directory');
  }
}

function main(argv: readonly string[]): number {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      flow: { type: 'string' },
      name: { type: 'string' },
      country: { type: 'string' },
      currency: { type: 'string' },
      'time-zone': { type: 'string' },
      'no-install': { type: 'boolean', default: false },
      root: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length !== 1 || values.flow === undefined) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const started = performance.now();
  const result = scaffoldConnector({
    root: values.root ?? workspaceRoot(process.env.INIT_CWD ?? process.cwd()),
    id: positionals[0] ?? '',
    flow: values.flow as ScaffoldFlow,
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(values.country === undefined ? {} : { country: values.country }),
    ...(values.currency === undefined ? {} : { currency: values.currency }),
    ...(values['time-zone'] === undefined ? {} : { timeZone: values['time-zone'] }),
    install: !values['no-install'],
    log: (line) => console.log(line),
  });
  console.log(`done in ${Math.round(performance.now() - started)} ms: ${result.dir}`);
  console.log('next: npx tsc -p tsconfig.json --noEmit && npx eslint --max-warnings=0 src test && npx jest test/conformance.test.ts (in that directory)');
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(e instanceof ScaffoldError || (e instanceof Error && e.name === 'TypeError') ? `create-connector: ${e.message}` : e);
  console.error(USAGE);
  process.exitCode = 2;
}
