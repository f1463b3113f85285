// The scaffolder's install step, for real: in a fresh export of the repository (git archive
// HEAD, no node_modules), `scaffoldConnector` runs `pnpm install --offline` from the pnpm
// store, which links the new package and adds its importer to pnpm-lock.yaml. Opt-in
// (KINKO_SCAFFOLD_INSTALL=1): it installs the whole workspace (~40 s on a quiet machine).
import { describe, expect, it } from '@jest/globals';
import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaffoldConnector } from '../src/scaffold';

const ROOT = join(__dirname, '..', '..', '..');
const enabled = process.env.KINKO_SCAFFOLD_INSTALL === '1';
const suite = enabled ? describe : describe.skip;

suite(`pnpm create-connector with its install step${enabled ? '' : ' — skipped: set KINKO_SCAFFOLD_INSTALL=1 to run it (a whole workspace install)'}`, () => {
  it('links the new package and records it in the lockfile', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kinko-create-connector-install-'));
    try {
      execSync(`git -C "${ROOT}" archive HEAD | tar -x -C "${tmp}"`, { stdio: 'pipe' });
      const before = readFileSync(join(tmp, 'pnpm-lock.yaml'), 'utf8');
      expect(before).not.toContain('connectors/kumo-bank:');
      const result = scaffoldConnector({ root: tmp, id: 'kumo-bank', flow: 'credentials' });
      const lock = readFileSync(join(tmp, 'pnpm-lock.yaml'), 'utf8');
      expect(lock).toContain('  connectors/kumo-bank:\n    dependencies:\n');
      expect(lock).toMatch(/'@kinko\/connector-kumo-bank':\n\s+specifier: workspace:\*\n\s+version: link:..\/..\/connectors\/kumo-bank/);
      for (const dep of ['@kinko/connector-sdk', '@kinko/domain', 'effect']) expect(existsSync(join(result.dir, 'node_modules', dep, 'package.json'))).toBe(true);
      expect(existsSync(join(tmp, 'apps/api/node_modules/@kinko/connector-kumo-bank/package.json'))).toBe(true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 300_000);
});
