/**
 * Writes a new connector package from the templates in ../templates and registers it in the
 * app. Templates are plain files with `__ID__`-style placeholders and, for code that depends
 * on the auth flow, line markers `//% if redirect` … `//% end`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** The auth flows a generated connector can use. */
export const scaffoldFlows = ['redirect', 'credentials'] as const;
export type ScaffoldFlow = (typeof scaffoldFlows)[number];

export interface ScaffoldOptions {
  /** The workspace root (holds pnpm-workspace.yaml). */
  readonly root: string;
  /** The connector id and package directory name, e.g. `acme-bank`. */
  readonly id: string;
  readonly flow: ScaffoldFlow;
  /** The bank's display name (default: the id in title case). */
  readonly name?: string;
  /** ISO 3166-1 alpha-2 (default JP). */
  readonly country?: string;
  /** ISO 4217 (default JPY). */
  readonly currency?: string;
  /** IANA zone (default Asia/Tokyo). */
  readonly timeZone?: string;
  /** Run `pnpm install --offline` to link the package and update the lockfile (default true). */
  readonly install?: boolean;
  readonly log?: (line: string) => void;
}

export interface ScaffoldResult {
  /** The package directory. */
  readonly dir: string;
  /** Files written, relative to the root. */
  readonly written: readonly string[];
  /** Files of the app changed to register the package, relative to the root. */
  readonly changed: readonly string[];
}

/** Thrown on a bad id or option, or when the workspace is not as expected; nothing is written then. */
export class ScaffoldError extends Error {
  override readonly name = 'ScaffoldError';
}

const TEMPLATES = join(__dirname, '..', 'templates');
const APP_PACKAGE = 'apps/api/package.json';
const APP_REGISTRY = 'apps/api/src/connectors/registered-connectors.ts';
const REGISTRY_LIST = /(export const REGISTERED_CONNECTOR_PACKAGES: readonly ConnectorPackage\[\] = \[)([\s\S]*?)(\];)/;

const words = (id: string): string[] => id.split('-').filter((w) => w !== '');
const pascal = (id: string): string => words(id).map((w) => w[0]?.toUpperCase() + w.slice(1)).join('');
const camel = (id: string): string => {
  const p = pascal(id);
  return p[0]?.toLowerCase() + p.slice(1);
};

/** Keeps the lines of the given flow, drops the other flow's, and fills the placeholders. */
export function renderTemplate(text: string, vars: Readonly<Record<string, string>>, flow: ScaffoldFlow): string {
  const out: string[] = [];
  let keep = true;
  for (const line of text.split('\n')) {
    const marker = /^\s*(?:\/\/|<!--)%\s*(?:if\s+(\w+)|end)/.exec(line);
    if (marker) {
      keep = marker[1] === undefined || marker[1] === flow;
      continue;
    }
    if (keep) out.push(line);
  }
  return out.join('\n').replace(/__([A-Z_]+)__/g, (whole, key: string) => vars[key] ?? whole);
}

function templateFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? templateFiles(path) : entry.endsWith('.tpl') ? [path] : [];
  });
}

function validate(options: ScaffoldOptions): void {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(options.id) || options.id.length > 63) problems.push(`"${options.id}" is not a connector id (lower-case letters, digits and single dashes, starting with a letter)`);
  if (!(scaffoldFlows as readonly string[]).includes(options.flow)) problems.push(`--flow must be redirect or credentials, not "${options.flow}"`);
  if (options.country !== undefined && !/^[A-Z]{2}$/.test(options.country)) problems.push('--country must be ISO 3166-1 alpha-2 (e.g. PL)');
  if (options.currency !== undefined && !/^[A-Z]{3}$/.test(options.currency)) problems.push('--currency must be ISO 4217 (e.g. PLN)');
  if (options.name !== undefined && (options.name.trim() === '' || /['\\\n]|\*\//.test(options.name))) problems.push('--name must be non-empty, without quotes, backslashes, new lines or */');
  if (options.timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: options.timeZone });
    } catch {
      problems.push(`--time-zone "${options.timeZone}" is not an IANA time zone`);
    }
  }
  if (problems.length > 0) throw new ScaffoldError(problems.join('; '));
  for (const file of ['pnpm-workspace.yaml', APP_PACKAGE, APP_REGISTRY]) {
    if (!existsSync(join(options.root, file))) throw new ScaffoldError(`${file} not found under ${options.root}: run it from the Kinko workspace`);
  }
  if (existsSync(join(options.root, 'connectors', options.id))) throw new ScaffoldError(`connectors/${options.id} already exists`);
  const registry = readFileSync(join(options.root, APP_REGISTRY), 'utf8');
  if (registry.includes(`id: '${options.id}'`)) throw new ScaffoldError(`the app already registers a connector package "${options.id}"`);
  if (!REGISTRY_LIST.test(registry)) throw new ScaffoldError(`${APP_REGISTRY} has no REGISTERED_CONNECTOR_PACKAGES list to add to`);
}

/**
 * The app's registration of the new package: like the others in the list, a ConnectorPackage
 * building one connector per bank entry — by the package's own `<camel>Banks`
 * (src/registration.ts: the entry's `bankName`, default the scaffolded `--name`; only
 * `baseUrl`, `clientId` and `clientSecret` as config).
 */
function registrationSnippet(id: string, name: string): string {
  return [
    '/**',
    ` * ${name} (\`@kinko/connector-${id}\`, made with \`pnpm create-connector\`): one connector per bank`,
    ' * entry, its id the `bankId`, its only allowed host the one of `baseUrl`, its name `bankName`',
    ` * (a string or \`{ ja, en, pl }\`; default "${name}"). Entry fields: \`baseUrl\`, \`clientId\`,`,
    ' * `clientSecret` (a secret), optionally `bankName`.',
    ' */',
    `export const ${camel(id)}Package: ConnectorPackage = {`,
    `  id: '${id}',`,
    `  banks: (entries) => ${camel(id)}Banks(entries),`,
    '};',
    '',
    '',
  ].join('\n');
}

function register(root: string, id: string, name: string): string[] {
  const pkgPath = join(root, APP_PACKAGE);
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { dependencies?: Record<string, string> };
  const deps = { ...pkg.dependencies, [`@kinko/connector-${id}`]: 'workspace:*' };
  pkg.dependencies = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => (a < b ? -1 : 1)));
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);

  const regPath = join(root, APP_REGISTRY);
  let text = readFileSync(regPath, 'utf8');
  const importLine = `import { ${camel(id)}Banks } from '@kinko/connector-${id}';\n`;
  const imports = [...text.matchAll(/^import [^;]*;\n/gm)];
  const last = imports[imports.length - 1];
  const at = last === undefined ? 0 : (last.index ?? 0) + last[0].length;
  text = text.slice(0, at) + importLine + text.slice(at);
  const list = REGISTRY_LIST.exec(text);
  if (list === null) throw new ScaffoldError(`${APP_REGISTRY}: REGISTERED_CONNECTOR_PACKAGES not found`);
  const listDoc = text.lastIndexOf('/**', list.index);
  const insertAt = listDoc >= 0 ? listDoc : list.index;
  const items = (list[2] ?? '').trimEnd();
  const multiline = items.includes('\n');
  const newItems = multiline ? `${items.replace(/,?\s*$/, ',')}\n  ${camel(id)}Package,\n` : `${items}, ${camel(id)}Package`;
  const newList = `${list[1]}${newItems}${list[3]}`;
  text = text.slice(0, insertAt) + registrationSnippet(id, name) + text.slice(insertAt, list.index) + newList + text.slice(list.index + list[0].length);
  writeFileSync(regPath, text);
  return [APP_PACKAGE, APP_REGISTRY];
}

/** How to run pnpm: the one running this script, else the pinned one through npx. */
function pnpmCommand(root: string): { command: string; args: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath !== undefined && /pnpm/.test(execPath)) return { command: process.execPath, args: [execPath] };
  const manager = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { packageManager?: string }).packageManager ?? 'pnpm';
  return { command: 'npx', args: ['--yes', manager] };
}

function install(root: string, log: (line: string) => void): void {
  const pnpm = pnpmCommand(root);
  for (const mode of ['--offline', '--prefer-offline']) {
    log(`pnpm install ${mode}`);
    const run = spawnSync(pnpm.command, [...pnpm.args, 'install', mode], { cwd: root, stdio: 'inherit' });
    if (run.status === 0) return;
  }
  throw new ScaffoldError('pnpm install failed: the package is written and registered; run `pnpm install` yourself');
}

/** Writes connectors/<id>, registers it in the app, and (unless told not to) installs it. */
export function scaffoldConnector(options: ScaffoldOptions): ScaffoldResult {
  validate(options);
  const log = options.log ?? (() => undefined);
  const vars = {
    ID: options.id,
    NAME: options.name ?? words(options.id).map((w) => w[0]?.toUpperCase() + w.slice(1)).join(' '),
    PASCAL: pascal(options.id),
    CAMEL: camel(options.id),
    FLOW: options.flow,
    COUNTRY: options.country ?? 'JP',
    CURRENCY: options.currency ?? 'JPY',
    TIME_ZONE: options.timeZone ?? 'Asia/Tokyo',
  };
  const dir = join(options.root, 'connectors', options.id);
  const written: string[] = [];
  for (const template of templateFiles(TEMPLATES)) {
    const target = join(dir, relative(TEMPLATES, template).replace(/\.tpl$/, ''));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, renderTemplate(readFileSync(template, 'utf8'), vars, options.flow));
    written.push(relative(options.root, target));
  }
  log(`wrote ${written.length} files under connectors/${options.id}`);
  const changed = register(options.root, options.id, vars.NAME);
  log(`registered ${camel(options.id)}Package in ${APP_REGISTRY} and ${APP_PACKAGE}`);
  if (options.install ?? true) install(options.root, log);
  return { dir, written, changed };
}
