import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SHARED_DIR, sharedFile } from '../../jest/shared-files';

// The one reader of ../shared (tools/jest/shared-files): present files are read, absent
// ones are reported with the reason the skipped tests carry.
describe('sharedFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kinko-shared-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is ../shared beside the repository root', () => {
    expect(SHARED_DIR).toBe(path.resolve(__dirname, '../../../../shared'));
  });

  it('reads a file that is there', () => {
    mkdirSync(path.join(dir, 'seeds'));
    writeFileSync(path.join(dir, 'seeds/x.txt'), '接続中');
    const file = sharedFile('seeds/x.txt', dir);
    expect(file.present).toBe(true);
    if (file.present) expect(file.text()).toBe('接続中');
  });

  it('says "absent", naming the file and why, when it is missing', () => {
    const file = sharedFile('specs/missing.yaml', dir);
    expect(file).toEqual({ present: false, path: path.join(dir, 'specs/missing.yaml'), reason: expect.stringContaining('../shared/specs/missing.yaml is absent') });
  });
});
