// The scaffolder, end to end: it writes a package into a temporary copy of the workspace
// (the files the generated package builds on are linked, node_modules included), registers it
// in the app, and the generated package type-checks, lints and passes the conformance kit
// against its own sandbox at once — for both flows.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { renderTemplate, ScaffoldError, scaffoldConnector } from '../src/scaffold';

const ROOT = join(__dirname, '..', '..', '..');
const bin = (pkg: string, file: string): string => join(ROOT, 'node_modules', pkg, file);

/** A workspace with just what a connector package needs; returns its root. */
function temporaryWorkspace(): string {
  const tmp = mkdtempSync(join(tmpdir(), 'kinko-create-connector-'));
  for (const file of ['package.json', 'pnpm-workspace.yaml', 'tsconfig.base.json', 'jest.base.js', 'eslint.config.mjs']) cpSync(join(ROOT, file), join(tmp, file));
  for (const file of ['apps/api/package.json', 'apps/api/src/connectors/registered-connectors.ts']) {
    mkdirSync(dirname(join(tmp, file)), { recursive: true });
    cpSync(join(ROOT, file), join(tmp, file));
  }
  mkdirSync(join(tmp, 'packages'));
  mkdirSync(join(tmp, 'tools'));
  symlinkSync(join(ROOT, 'node_modules'), join(tmp, 'node_modules'));
  symlinkSync(join(ROOT, 'tools/jest'), join(tmp, 'tools/jest'));
  for (const pkg of ['connector-sdk', 'domain']) symlinkSync(join(ROOT, 'packages', pkg), join(tmp, 'packages', pkg));
  symlinkSync(join(ROOT, 'tools/sandbox-bank'), join(tmp, 'tools/sandbox-bank'));
  return tmp;
}

/** What `pnpm install` does for the new package, by hand: link its dependencies. */
function linkDependencies(tmp: string, dir: string): void {
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@kinko'), { recursive: true });
  for (const pkg of ['connector-sdk', 'domain']) symlinkSync(join(tmp, 'packages', pkg), join(modules, '@kinko', pkg));
  symlinkSync(realpathSync(join(ROOT, 'packages/connector-sdk/node_modules/effect')), join(modules, 'effect'));
  // The spec checker's devDependencies (test/sandbox/spec.ts): the workspace's shared checker parts
  // (@kinko/sandbox-bank/spec) and swagger-parser, the store's copy the sandbox package links too.
  symlinkSync(join(tmp, 'tools/sandbox-bank'), join(modules, '@kinko/sandbox-bank'));
  mkdirSync(join(modules, '@apidevtools'), { recursive: true });
  symlinkSync(realpathSync(join(ROOT, 'tools/sandbox-bank/node_modules/@apidevtools/swagger-parser')), join(modules, '@apidevtools/swagger-parser'));
}

const run = (cwd: string, script: string, args: readonly string[]): string =>
  execFileSync(process.execPath, [script, ...args], { cwd, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, CI: '1' } });

describe('pnpm create-connector', () => {
  const flows = ['redirect', 'credentials'] as const;
  const idOf = (flow: string): string => `acme-${flow}-bank`;
  let tmp: string;
  beforeAll(() => {
    tmp = temporaryWorkspace();
  });
  afterAll(() => {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });

  it('writes the package for each flow and registers it in the app', async () => {
    for (const flow of flows) {
      const id = idOf(flow);
      // The redirect package gets a --name: its registration names the bank so by default.
      const result = scaffoldConnector({ root: tmp, id, flow, install: false, ...(flow === 'redirect' ? { name: 'Acme Redirect Bank plc' } : {}) });
      expect(result.written).toEqual(
        expect.arrayContaining(
          [
            'package.json',
            'src/connector.ts',
            'src/manifest.ts',
            'src/schemas.ts',
            'src/registration.ts',
            'test/registration.test.ts',
            'test/token-endpoint.test.ts',
            'test/sandbox/bank.ts',
            'test/sandbox/spec.ts',
            'test/sandbox/openapi.yaml',
            'test/conformance.test.ts',
            'test/fixtures/grant.v1.json',
            'tsconfig.json',
            'tsconfig.build.json',
            'jest.config.js',
            'README.md',
          ].map((f) => `connectors/${id}/${f}`),
        ),
      );
      const pkg = JSON.parse(readFileSync(join(result.dir, 'package.json'), 'utf8')) as { name: string; exports: Record<string, Record<string, string>> };
      expect(pkg.name).toBe(`@kinko/connector-${id}`);
      expect(pkg.exports['.']?.['@kinko/source']).toBe('./src/index.ts');
      expect(readFileSync(join(result.dir, 'src/manifest.ts'), 'utf8')).toContain(`authFlow: '${flow}'`);
      // The entry-field rules (non-empty text, secret → Redacted, bankName) are the SDK's one
      // bankEntryReader, not a copy in each new package.
      const registration = readFileSync(join(result.dir, 'src/registration.ts'), 'utf8');
      expect(registration).toContain(`bankEntryReader(entry, '${id}')`);
      expect(registration).not.toMatch(/Redacted\.make|new ConnectorSetupError|'ja', 'en', 'pl'/);
      // The sandbox's spec check is made of the workspace's shared checker parts, not a copy of them.
      expect(readFileSync(join(result.dir, 'test/sandbox/spec.ts'), 'utf8')).toContain(`import { oncePerFile, specAjv, validatorCache } from '@kinko/sandbox-bank/spec';`);
      // The generated jest config compiles the ES-module-only packages a connector's tests meet
      // (swagger-parser's resolver for the spec check, jose for signing): no ignore pattern matches them.
      const jestConfig = ((await import(join(result.dir, 'jest.config.js'))) as { default: { transformIgnorePatterns: string[] } }).default;
      for (const esm of ['@apidevtools/json-schema-ref-parser/dist/index.js', 'jose/dist/webapi/index.js', 'effect/dist/index.js']) {
        const file = `${tmp}/node_modules/.pnpm/x@1.0.0/node_modules/${esm}`;
        expect({ esm, ignored: jestConfig.transformIgnorePatterns.some((p) => new RegExp(p).test(file)) }).toEqual({ esm, ignored: false });
      }

      // Registered in the app: a dependency, and a ConnectorPackage in THE list.
      const app = JSON.parse(readFileSync(join(tmp, 'apps/api/package.json'), 'utf8')) as { dependencies: Record<string, string> };
      expect(app.dependencies[`@kinko/connector-${id}`]).toBe('workspace:*');
      const registry = readFileSync(join(tmp, 'apps/api/src/connectors/registered-connectors.ts'), 'utf8');
      expect(registry).toContain(`from '@kinko/connector-${id}';`);
      const name = flow === 'redirect' ? 'acmeRedirectBank' : 'acmeCredentialsBank';
      expect(registry).toMatch(new RegExp(`REGISTERED_CONNECTOR_PACKAGES: readonly ConnectorPackage\\[\\] = \\[[^\\]]*\\b${name}Package\\b[^\\]]*\\];`));
      // The app's ConnectorPackage builds its banks with the package's own registration (the
      // entry's bankName, only the connector's fields as config), as the other packages do.
      expect(registry).toContain(`import { ${name}Banks } from '@kinko/connector-${id}';`);
      expect(registry).toContain(`export const ${name}Package: ConnectorPackage = {\n  id: '${id}',\n  banks: (entries) => ${name}Banks(entries),\n};`);
      if (flow === 'redirect') {
        expect(readFileSync(join(result.dir, 'src/manifest.ts'), 'utf8')).toContain(`{ ja: 'Acme Redirect Bank plc', en: 'Acme Redirect Bank plc', pl: 'Acme Redirect Bank plc' }`);
        expect(registry).toContain('default "Acme Redirect Bank plc"');
      }
      linkDependencies(tmp, result.dir);
    }
  });

  it('the generated packages type-check', () => {
    // One program for both (their tsconfig.json's settings, both packages' src and test): half the time of two.
    const both = { extends: './tsconfig.base.json', compilerOptions: { noEmit: true }, include: flows.flatMap((f) => [`connectors/${idOf(f)}/src`, `connectors/${idOf(f)}/test`]) };
    writeFileSync(join(tmp, 'tsconfig.generated.json'), JSON.stringify(both));
    expect(JSON.parse(readFileSync(join(tmp, 'connectors', idOf('redirect'), 'tsconfig.json'), 'utf8'))).toEqual({
      extends: '../../tsconfig.base.json',
      compilerOptions: { noEmit: true },
      include: ['src', 'test'],
    });
    run(tmp, bin('typescript', 'bin/tsc'), ['-p', 'tsconfig.generated.json']);
  }, 240_000); // ~15 s on a quiet machine; generous for a loaded CI

  it('the generated packages lint clean', () => {
    run(tmp, bin('eslint', 'bin/eslint.js'), ['--max-warnings=0', ...flows.flatMap((f) => [`connectors/${idOf(f)}/src`, `connectors/${idOf(f)}/test`])]);
  }, 120_000);

  it('the generated packages pass the conformance kit against their own sandboxes, their recorded answers checked against the spec (skipping only checks their manifest makes not applicable)', () => {
    const projects = flows.map((f) => join(tmp, 'connectors', idOf(f)));
    // Only the default reporter: the workspace's summary reporter would record this inner run in .test-results.
    // Two workers: the two packages' suites run side by side (the kit mostly waits on each connector's own request pacing).
    const out = run(tmp, bin('jest', 'bin/jest.js'), ['--ci', '--json', '--reporters=default', '--maxWorkers=2', '--projects', ...projects]);
    const report = JSON.parse(out.slice(out.indexOf('{'))) as {
      numFailedTests: number;
      numTotalTestSuites: number;
      testResults: Array<{ name: string; assertionResults: Array<{ status: string; title: string }> }>;
    };
    expect(report.numFailedTests).toBe(0);
    // Per package: the kit, the app registration's test and the token endpoint's test.
    expect(report.numTotalTestSuites).toBe(6);
    const suiteOf = (file: string) => report.testResults.filter((s) => s.name.endsWith(`/test/${file}`));
    for (const suite of [...suiteOf('registration.test.ts'), ...suiteOf('token-endpoint.test.ts')]) {
      expect(suite.assertionResults.filter((a) => a.status !== 'passed')).toEqual([]);
    }
    // The generated registration names the bank by its entry, else by --name (rendered into that test).
    expect(suiteOf('registration.test.ts').flatMap((s) => s.assertionResults.map((a) => a.title))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^names the bank as its entry does/), expect.stringMatching(/its config only the connector's fields/)]),
    );
    // The sandbox's OAuth endpoints refuse JSON; the kit (log in, refresh, revoke through the connector) passing proves form bodies.
    expect(suiteOf('token-endpoint.test.ts').flatMap((s) => s.assertionResults.map((a) => a.title))).toEqual(
      expect.arrayContaining(['/token refuses a JSON body with 400 invalid_request', '/revoke refuses a JSON body with 400 invalid_request']),
    );
    expect(suiteOf('conformance.test.ts')).toHaveLength(2);
    for (const suite of suiteOf('conformance.test.ts')) {
      const passed = suite.assertionResults.filter((a) => a.status === 'passed');
      const others = suite.assertionResults.filter((a) => a.status !== 'passed');
      expect(passed.length).toBeGreaterThan(15);
      for (const a of others) expect(a.title).toMatch(/— not applicable: the manifest declares no (challenges|balances|branches)$/);
      // sandbox-matches-spec ran: the recorded answers against test/sandbox/openapi.yaml.
      expect(passed.map((a) => a.title)).toEqual(expect.arrayContaining([expect.stringMatching(/^sandbox-matches-spec: /)]));
    }
  }, 300_000);

  it('refuses a bad id, an unknown flow and an existing package, writing nothing', () => {
    expect(() => scaffoldConnector({ root: tmp, id: 'Acme_Bank', flow: 'redirect', install: false })).toThrow(ScaffoldError);
    expect(() => scaffoldConnector({ root: tmp, id: 'acme', flow: 'oauth' as never, install: false })).toThrow(/--flow must be redirect or credentials/);
    expect(existsSync(join(tmp, 'connectors/acme'))).toBe(false);
    expect(() => scaffoldConnector({ root: tmp, id: 'polish-api', flow: 'redirect', install: false })).toThrow(/already registers/);
    expect(() => scaffoldConnector({ root: tmp, id: idOf('redirect'), flow: 'redirect', install: false })).toThrow(/already exists/);
  });
});

describe('the template renderer', () => {
  it('keeps the lines of the chosen flow and fills the placeholders', () => {
    const text = ['a __ID__', '//% if redirect', 'r', '//% end', '//% if credentials', 'c', '//% end', 'z'].join('\n');
    expect(renderTemplate(text, { ID: 'x' }, 'redirect')).toBe('a x\nr\nz');
    expect(renderTemplate(text, { ID: 'x' }, 'credentials')).toBe('a x\nc\nz');
  });
});
