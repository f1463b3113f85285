import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

// The workspace's own ESLint config, run on fixture files that sit where real packages
// would: each forbidden import must be reported by no-restricted-imports, each allowed one not.
const root = path.resolve(__dirname, '../../..');
const fixturesDir = path.join(root, 'tools/lint-fixtures/fixtures');
const fixture = (p: string) => path.join(fixturesDir, p);

const eslintBin = path.join(root, 'node_modules/eslint/bin/eslint.js');

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; message: string }[];
}

/** Per file, the messages of each rule the fixtures check. */
let linted: Map<string, { imports: string[]; syntax: string[] }> | undefined;

// ESLint runs as its own process, as `pnpm lint` runs it (its flat config is an ES module,
// which jest's CommonJS runtime cannot load in-process) — once, over every fixture: starting
// it is most of the time a file takes, so the tests share one run and read their file's result.
function lintFixtures(): Map<string, { imports: string[]; syntax: string[] }> {
  if (linted !== undefined) return linted;
  const files = readdirSync(fixturesDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(fixturesDir, f));
  let out: string;
  try {
    out = execFileSync(process.execPath, [eslintBin, '--format', 'json', '--no-ignore', ...files], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    out = (e as { stdout: string }).stdout; // exit code 1 means "problems found"
  }
  const results = JSON.parse(out) as LintResult[];
  const of = (r: LintResult, rule: string) => r.messages.filter((m) => m.ruleId === rule).map((m) => m.message);
  linted = new Map(results.map((r) => [r.filePath, { imports: of(r, 'no-restricted-imports'), syntax: of(r, 'no-restricted-syntax') }]));
  return linted;
}

function lintedFile(file: string): { imports: string[]; syntax: string[] } {
  const messages = lintFixtures().get(file);
  if (messages === undefined) throw new Error(`ESLint did not lint ${file}`);
  return messages;
}

async function restrictedImportMessages(file: string): Promise<string[]> {
  return lintedFile(file).imports;
}

describe('layering rule', () => {
  // The one ESLint run (a loaded CI machine may take a while to start it).
  beforeAll(() => void lintFixtures(), 120_000);

  it('fails when the domain imports anything but effect', async () => {
    const messages = await restrictedImportMessages(fixture('packages/domain/src/forbidden.ts'));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("'pg'");
  });

  it('lets the domain import effect and its own files', async () => {
    expect(await restrictedImportMessages(fixture('packages/domain/src/allowed.ts'))).toEqual([]);
  });

  it('fails when a connector imports another connector', async () => {
    const messages = await restrictedImportMessages(fixture('connectors/foo/src/forbidden-connector.ts'));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('@kinko/connector-bank-common-api');
  });

  it('fails when a connector imports the app', async () => {
    const messages = await restrictedImportMessages(fixture('connectors/foo/src/forbidden-app.ts'));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('@kinko/api');
  });

  it('lets a connector import the SDK and the domain', async () => {
    expect(await restrictedImportMessages(fixture('connectors/foo/src/allowed.ts'))).toEqual([]);
  });

  it("lets a connector's tests read ../shared through the workspace's reader (tools/jest/shared-files)", async () => {
    expect(await restrictedImportMessages(fixture('connectors/foo/test/allowed.test.ts'))).toEqual([]);
  });

  it("fails when a connector's tests import another connector or another tool", async () => {
    const messages = await restrictedImportMessages(fixture('connectors/foo/test/forbidden.test.ts'));
    expect(messages).toHaveLength(3);
    expect(messages[0]).toContain('@kinko/connector-bank-common-api');
    expect(messages[1]).toContain('../../polish-api/src');
    expect(messages[2]).toContain('../../../tools/bench/src');
  });

  it("fails when the app's production source imports the sandbox bank (a development package)", async () => {
    const messages = await restrictedImportMessages(fixture('apps/api/src/forbidden-sandbox.ts'));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('@kinko/sandbox-bank');
  });

  it('fails when the app imports a tool, by package or by path', async () => {
    const messages = await restrictedImportMessages(fixture('apps/api/src/forbidden-tools.ts'));
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('@kinko/bench');
    expect(messages[1]).toContain('tools/bench');
  });

  it("fails when the app's production source runs a transaction with TypeORM's own transaction() instead of runTransaction", () => {
    const messages = lintedFile(fixture('apps/api/src/forbidden-transaction.ts')).syntax;
    expect(messages).toHaveLength(3);
    for (const m of messages) expect(m).toContain('runTransaction');
    expect(lintedFile(fixture('apps/api/src/allowed.ts')).syntax).toEqual([]);
  });

  it('lets the app import the layers below it and itself; its tests the sandbox bank and the ../shared reader', async () => {
    expect(await restrictedImportMessages(fixture('apps/api/src/allowed.ts'))).toEqual([]);
    expect(await restrictedImportMessages(fixture('apps/api/src/allowed.test.ts'))).toEqual([]);
  });

  it('fails when the connector SDK imports a connector, the app or a tool', async () => {
    const messages = await restrictedImportMessages(fixture('packages/connector-sdk/src/forbidden.ts'));
    expect(messages).toHaveLength(4);
    expect(messages[0]).toContain('@kinko/connector-bank-common-api');
    expect(messages[1]).toContain('@kinko/api');
    expect(messages[2]).toContain('@kinko/sandbox-bank');
    expect(messages[3]).toContain('connectors/polish-api');
  });

  it('lets the connector SDK import the domain, effect and itself', async () => {
    expect(await restrictedImportMessages(fixture('packages/connector-sdk/src/allowed.ts'))).toEqual([]);
  });

  it("lets the development launcher import the app's package entry and the sandbox, never the app by path", async () => {
    expect(await restrictedImportMessages(fixture('tools/dev-server/src/allowed.ts'))).toEqual([]);
    const messages = await restrictedImportMessages(fixture('tools/dev-server/src/forbidden.ts'));
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('@kinko/api/src');
    expect(messages[1]).toContain('apps/api');
  });

  it('fails when anything imports apps/ by path', async () => {
    const messages = await restrictedImportMessages(fixture('tools/x/forbidden-app.ts'));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('apps/api');
  });
});
