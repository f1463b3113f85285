import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { testTempDir } from '../../test/support/test-env';
import { loadSettings } from '../config/settings';
import { DEV_KEY_FILE, MasterKeyring, readKeyFile, resolveMasterKeyring, writeKeyFile } from './master-keyring';

const tempDir = (): string => testTempDir('keyring');

describe('resolveMasterKeyring', () => {
  it('uses KINKO_MASTER_KEY and the old keys when configured', () => {
    const old = Buffer.alloc(32, 9).toString('base64');
    const settings = loadSettings({ KINKO_MASTER_KEY: Buffer.alloc(32, 8).toString('base64'), KINKO_MASTER_KEY_ID: 'new', KINKO_MASTER_KEYS_OLD: `old:${old}`, KINKO_DATA_DIR: tempDir() });
    const keyring = resolveMasterKeyring(settings, () => undefined);
    expect(keyring.current.id).toBe('new');
    expect(keyring.ids).toEqual(['new', 'old']);
    expect(keyring.olderIds).toEqual(['old']);
    expect(fs.existsSync(path.join(settings.dataDir, DEV_KEY_FILE))).toBe(false);
  });

  it('creates a development key file readable only by its owner, and warns once', () => {
    const settings = loadSettings({ KINKO_MODE: 'development', KINKO_DATA_DIR: tempDir() });
    const warnings: string[] = [];
    const first = resolveMasterKeyring(settings, (m) => warnings.push(m));
    const second = resolveMasterKeyring(settings, (m) => warnings.push(m));
    const file = path.join(settings.dataDir, DEV_KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(file);
    expect(second.current.id).toBe(first.current.id);
    expect(second.current.key.equals(first.current.key)).toBe(true);
  });

  it('refuses to run without a master key in production', () => {
    const settings = { ...loadSettings({ KINKO_DATA_DIR: tempDir() }), mode: 'production' as const };
    expect(() => resolveMasterKeyring(settings, () => undefined)).toThrow(/KINKO_MASTER_KEY is required/);
  });

  it('re-reads the key file for a key id it does not know yet (a rotation added one)', () => {
    const file = path.join(tempDir(), DEV_KEY_FILE);
    const k1 = { id: 'k1', key: Buffer.alloc(32, 1) };
    const k2 = { id: 'k2', key: Buffer.alloc(32, 2) };
    writeKeyFile(file, [k1]);
    const keyring = readKeyFile(file);
    expect(keyring.get('k2')).toBeUndefined();
    writeKeyFile(file, [k2, k1]);
    expect(keyring.get('k2')?.key.equals(k2.key)).toBe(true);
  });

  it('rejects malformed keyrings', () => {
    expect(() => new MasterKeyring({ id: 'a', key: Buffer.alloc(16) })).toThrow(/32 bytes/);
    expect(() => new MasterKeyring({ id: 'a', key: Buffer.alloc(32) }, [{ id: 'a', key: Buffer.alloc(32, 1) }])).toThrow(/twice/);
  });
});
