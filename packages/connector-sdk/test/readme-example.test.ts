// The README's example connector passes the conformance kit against the fake bank (which
// speaks the same API), configured exactly as the README shows.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { runConformanceSuite } from '@kinko/connector-sdk/testkit';
import { exampleBank } from './readme-example/example-bank';
import { startToySandbox, toyIdentities, toyPreviousVersions } from './fake-bank/sandbox';

runConformanceSuite({
  connector: exampleBank,
  startSandbox: (scenario) => startToySandbox(scenario, exampleBank.manifest.limits.pageSize),
  identities: { valid: toyIdentities.valid, wrongPassword: toyIdentities.wrongPassword },
  largeCount: 2_000, // the toy suites read 100 000; this bank allows 10 requests per second
  pagingParameters: ['page'],
  previousVersions: { grants: toyPreviousVersions.grants },
});

// Every ```ts block of the README compiles on its own (as a module of this package, with its
// tsconfig), and the example connector block is example-bank.ts verbatim (so the kit run above
// is a run of what the README shows).
describe('the README', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');

  it('shows the example connector exactly as test/readme-example/example-bank.ts holds it', () => {
    const file = readFileSync(join(__dirname, 'readme-example', 'example-bank.ts'), 'utf8');
    const body = file.split('\n').filter((line, i) => !(i < 2 && line.startsWith('//'))).join('\n').trim();
    expect(blocks.map((b) => b.trim())).toContain(body);
  });

  it('has code examples that all compile', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const dir = mkdtempSync(join(__dirname, '..', '.readme-blocks-'));
    try {
      const files = blocks.map((code, i) => {
        const file = join(dir, `block-${i + 1}.ts`);
        writeFileSync(file, code.includes('import ') || code.includes('export ') ? code : `${code}\nexport {};\n`);
        return file;
      });
      const parsed = ts.getParsedCommandLineOfConfigFile(join(__dirname, '..', 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
      if (parsed === undefined) throw new Error('tsconfig.json could not be read');
      const program = ts.createProgram(files, { ...parsed.options, noEmit: true });
      const problems = ts
        .getPreEmitDiagnostics(program)
        .filter((d) => d.file === undefined || d.file.fileName.startsWith(dir))
        .map((d) => `${d.file ? `README block ${d.file.fileName.slice(dir.length + 1)}` : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      expect(problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
