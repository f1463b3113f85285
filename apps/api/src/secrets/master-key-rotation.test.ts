import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redacted } from 'effect';
import { In } from 'typeorm';
import { insertConnection, insertUser, secretsService } from '../../test/support/secret-fixtures';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { testTempDir } from '../../test/support/test-env';
import { AuditLogEntry } from '../audit/audit-log-entry.entity';
import { AuthAttempt } from '../challenges/auth-attempt.entity';
import { openChallengePayload, sealChallengePayload } from '../challenges/challenge-payload';
import { rotateMasterKeyCommand } from '../cli/commands';
import { loadSettings } from '../config/settings';
import { newId } from '../database/ids';
import type { UserScope } from '../database/scoped-data';
import { ConnectionSecret, type SecretKind } from './connection-secret.entity';
import { rewrapAllSecrets } from './master-key-rotation';
import { DEV_KEY_FILE, MasterKeyring, readKeyFile, resolveMasterKeyring } from './master-keyring';

const k1 = { id: 'k1', key: Buffer.alloc(32, 11) };
const k2 = { id: 'k2', key: Buffer.alloc(32, 22) };

interface Stored {
  scope: UserScope;
  connectionId: string;
  kind: SecretKind;
  value: string;
}

async function storeMany(db: TestDatabase, keyring: MasterKeyring, users: number, tag: string): Promise<Stored[]> {
  const service = secretsService(db.dataSource, keyring);
  const stored: Stored[] = [];
  for (let i = 0; i < users; i += 1) {
    const scope = await insertUser(db.dataSource);
    const connectionId = await insertConnection(db.dataSource, scope);
    for (const kind of ['grant', 'credentials'] as const) {
      const value = `${tag}-${kind}-${i}`;
      await service.store(scope, connectionId, kind, Redacted.make(value));
      stored.push({ scope, connectionId, kind, value });
    }
  }
  return stored;
}

/** A waiting auth attempt whose challenge and connector state are sealed under `keyring` (as the credentials flow stores them). */
async function storeWaitingAttempt(db: TestDatabase, keyring: MasterKeyring, state: string): Promise<string> {
  const scope = await insertUser(db.dataSource);
  const connectionId = await insertConnection(db.dataSource, scope);
  const sealed = sealChallengePayload(keyring, { tenantId: scope.tenantId, connectionId }, { challenge: { kind: 'otp', prompt: 'ワンタイムパスワード', length: 6 }, state: Redacted.make(state) });
  const id = newId();
  await db.dataSource.getRepository(AuthAttempt).insert({
    id,
    ...scope,
    connectionId,
    connectorId: 'web-netbank',
    phase: 'waiting',
    challengeKind: 'otp',
    step: 1,
    ...sealed,
    expiresAt: new Date(Date.now() + 180_000),
  });
  return id;
}

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
};

describe('master key rotation', () => {
  let db: TestDatabase;
  let stored: Stored[];
  let before: ConnectionSecret[];
  let attemptId: string;
  let attemptBefore: AuthAttempt;
  const attemptState = 'netbank-challenge-state-cookies';
  const rotating = new MasterKeyring(k2, [k1]);

  beforeAll(async () => {
    db = await createTestDatabase();
    stored = await storeMany(db, new MasterKeyring(k1), 4, 'secret'); // 8 secrets under k1
    before = await db.dataSource.getRepository(ConnectionSecret).find({ order: { id: 'ASC' } });
    attemptId = await storeWaitingAttempt(db, new MasterKeyring(k1), attemptState); // and one challenge payload
    attemptBefore = await db.dataSource.getRepository(AuthAttempt).findOneByOrFail({ id: attemptId });
  });
  afterAll(() => db?.drop());

  it('keeps old records readable while the new key is current (no downtime)', async () => {
    const service = secretsService(db.dataSource, rotating);
    for (const s of stored) expect(Redacted.value(await service.reveal(s.scope, s.connectionId, s.kind, { actor: 'test', reason: 'before' }))).toBe(s.value);
  });

  it('re-wraps every data key in batches while reads go on, changing only the wrapped key', async () => {
    const service = secretsService(db.dataSource, rotating);
    let reading = true;
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        for (const s of stored) {
          expect(Redacted.value(await service.reveal(s.scope, s.connectionId, s.kind, { actor: 'test', reason: 'during' }))).toBe(s.value);
          reads += 1;
        }
      }
    })();
    const batches: number[] = [];
    const report = await rewrapAllSecrets(db.dataSource, rotating, { batchSize: 3, onBatch: (n) => batches.push(n) });
    reading = false;
    await reader;

    expect(report).toMatchObject({ toKeyId: 'k2', rewrapped: 9, batches: 4, failed: 0, unknownKeys: {} });
    expect(batches).toEqual([3, 3, 2, 1]);
    expect(reads).toBeGreaterThan(0);
    const after = await db.dataSource.getRepository(ConnectionSecret).find({ order: { id: 'ASC' } });
    expect(after.map((r) => r.masterKeyId)).toEqual(before.map(() => 'k2'));
    after.forEach((row, i) => {
      const old = before[i] as ConnectionSecret;
      expect(row.ciphertext.equals(old.ciphertext)).toBe(true);
      expect(row.nonce.equals(old.nonce)).toBe(true);
      expect(row.authTag.equals(old.authTag)).toBe(true);
      expect(row.wrappedDataKey.equals(old.wrappedDataKey)).toBe(false);
    });
    // The auth attempt's challenge payload too: under k2, its own ciphertext untouched.
    const attempt = await db.dataSource.getRepository(AuthAttempt).findOneByOrFail({ id: attemptId });
    expect(attempt.masterKeyId).toBe('k2');
    expect(attempt.ciphertext?.equals(attemptBefore.ciphertext as Buffer)).toBe(true);
    expect(attempt.wrappedDataKey?.equals(attemptBefore.wrappedDataKey as Buffer)).toBe(false);
    const audit = await db.dataSource.getRepository(AuditLogEntry).find({ where: { action: 'master-key.rewrap' }, order: { id: 'ASC' } });
    expect(audit.map((a) => [a.details['table'], a.details['count']])).toEqual([
      ['connection_secrets', 3],
      ['connection_secrets', 3],
      ['connection_secrets', 2],
      ['auth_attempts', 1],
    ]);
  });

  it('leaves nothing that needs the old key', async () => {
    const withoutOldKey = secretsService(db.dataSource, new MasterKeyring(k2));
    for (const s of stored) expect(Redacted.value(await withoutOldKey.reveal(s.scope, s.connectionId, s.kind, { actor: 'test', reason: 'after' }))).toBe(s.value);
    // The waiting challenge still opens, with the new key alone; the old key alone no longer opens it.
    const attempt = await db.dataSource.getRepository(AuthAttempt).findOneByOrFail({ id: attemptId });
    const payload = openChallengePayload(new MasterKeyring(k2), attempt);
    expect(Redacted.value(payload.state)).toBe(attemptState);
    expect(payload.challenge).toEqual({ kind: 'otp', prompt: 'ワンタイムパスワード', length: 6 });
    expect(() => openChallengePayload(new MasterKeyring(k1), attempt)).toThrow();
    expect((await rewrapAllSecrets(db.dataSource, rotating)).rewrapped).toBe(0);
  });

  it('reports records under a key it does not know instead of skipping them silently', async () => {
    const repo = db.dataSource.getRepository(ConnectionSecret);
    const one = before[0] as ConnectionSecret;
    await repo.update({ id: one.id }, { masterKeyId: 'k0' });
    await db.dataSource.getRepository(AuthAttempt).update({ id: attemptId }, { masterKeyId: 'k0' });
    const report = await rewrapAllSecrets(db.dataSource, rotating);
    expect(report.unknownKeys).toEqual({ k0: 2 });
    await repo.update({ id: one.id }, { masterKeyId: 'k2' });
    await db.dataSource.getRepository(AuthAttempt).update({ id: attemptId }, { masterKeyId: 'k2' });
  });
});

describe('rotate-master-key command', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db?.drop());

  it('re-wraps under KINKO_MASTER_KEY with the old key in KINKO_MASTER_KEYS_OLD', async () => {
    const stored = await storeMany(db, new MasterKeyring(k1), 2, 'env');
    const attemptId = await storeWaitingAttempt(db, new MasterKeyring(k1), 'env-state');
    const settings = loadSettings({
      KINKO_MODE: 'production',
      DATABASE_URL: db.url,
      KINKO_MASTER_KEY: k2.key.toString('base64'),
      KINKO_MASTER_KEY_ID: 'k2',
      KINKO_MASTER_KEYS_OLD: `k1:${k1.key.toString('base64')}`,
    });
    const { out, err, io: cli } = io();
    expect(await rotateMasterKeyCommand(settings, ['--batch-size', '2'], cli)).toBe(0);
    expect(err).toEqual([]);
    expect(out.join('\n')).toMatch(/re-wrapped 5 data key\(s\) under k2 in 3 batch\(es\)[\s\S]*Rotation complete/);
    const ids = stored.map((s) => s.connectionId);
    const rows = await db.dataSource.getRepository(ConnectionSecret).findBy({ connectionId: In(ids) });
    expect(new Set(rows.map((r) => r.masterKeyId))).toEqual(new Set(['k2']));
    const attempt = await db.dataSource.getRepository(AuthAttempt).findOneByOrFail({ id: attemptId });
    expect(Redacted.value(openChallengePayload(new MasterKeyring(k2), attempt).state)).toBe('env-state');
  });

  it('with the development key file, --new-key adds a key and re-wraps under it', async () => {
    const dataDir = testTempDir('rotate');
    const settings = loadSettings({ KINKO_MODE: 'development', DATABASE_URL: db.url, KINKO_DATA_DIR: dataDir });
    const devKeyring = resolveMasterKeyring(settings, () => undefined);
    const stored = await storeMany(db, devKeyring, 1, 'dev');
    const { out, io: cli } = io();
    expect(await rotateMasterKeyCommand(settings, ['--new-key'], cli)).toBe(0);
    const file = path.join(dataDir, DEV_KEY_FILE);
    const fileKeyring = readKeyFile(file);
    expect(fileKeyring.ids).toEqual([expect.any(String), devKeyring.current.id]);
    expect(fileKeyring.current.id).not.toBe(devKeyring.current.id);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(out.join('\n')).toContain(`under ${fileKeyring.current.id}`);
    const service = secretsService(db.dataSource, new MasterKeyring(fileKeyring.current));
    for (const s of stored) expect(Redacted.value(await service.reveal(s.scope, s.connectionId, s.kind, { actor: 'test', reason: 'after' }))).toBe(s.value);
  });

  it('fails, naming the key, when records are under a key that is not configured', async () => {
    await storeMany(db, new MasterKeyring({ id: 'lost', key: Buffer.alloc(32, 99) }), 1, 'lost');
    const settings = loadSettings({ KINKO_MODE: 'production', DATABASE_URL: db.url, KINKO_MASTER_KEY: k2.key.toString('base64'), KINKO_MASTER_KEY_ID: 'k2' });
    const { err, io: cli } = io();
    expect(await rotateMasterKeyCommand(settings, [], cli)).toBe(1);
    expect(err.join('\n')).toMatch(/2 record\(s\) are under master key "lost".*KINKO_MASTER_KEYS_OLD/);
  });
});
