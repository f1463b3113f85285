import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redacted } from 'effect';
import { Client } from 'pg';
import { dumpAsText, insertConnection, insertUser, secretsService } from '../../test/support/secret-fixtures';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { AuditLogEntry } from '../audit/audit-log-entry.entity';
import { NotFoundError } from '../common/errors';
import type { UserScope } from '../database/scoped-data';
import { ConnectionSecret } from './connection-secret.entity';
import { SecretDecryptionError } from './envelope';
import { MasterKeyring } from './master-keyring';
import { type SecretsService, sealedRowOf, sealedSecretColumns, sealedSecretJoin } from './secrets.service';

describe('SecretsService', () => {
  let db: TestDatabase;
  let secrets: SecretsService;
  let alice: UserScope;
  let bob: UserScope; // same tenant
  let mallory: UserScope; // another tenant
  let aliceConnection: string;
  let aliceOther: string;
  let bobConnection: string;
  const canary = `canary-${Date.now()}-refresh-token`;
  const access = { actor: 'system:test', reason: 'refresh-grant' };

  beforeAll(async () => {
    db = await createTestDatabase();
    secrets = secretsService(db.dataSource, new MasterKeyring({ id: 'k1', key: Buffer.alloc(32, 3) }));
    alice = await insertUser(db.dataSource);
    bob = await insertUser(db.dataSource, alice.tenantId);
    mallory = await insertUser(db.dataSource);
    aliceConnection = await insertConnection(db.dataSource, alice);
    aliceOther = await insertConnection(db.dataSource, alice);
    bobConnection = await insertConnection(db.dataSource, bob);
    await secrets.store(alice, aliceConnection, 'grant', Redacted.make(canary));
  });
  afterAll(() => db?.drop());

  it('returns the stored secret, redacted from logs', async () => {
    const revealed = await secrets.reveal(alice, aliceConnection, 'grant', access);
    expect(Redacted.value(revealed)).toBe(canary);
    expect(String(revealed)).not.toContain(canary);
    expect(JSON.stringify({ revealed })).not.toContain(canary);
  });

  it('audits every decryption, without the secret', async () => {
    const before = await db.dataSource.getRepository(AuditLogEntry).countBy({ action: 'secret.decrypt' });
    await secrets.reveal(alice, aliceConnection, 'grant', { actor: 'user:alice', reason: 'fetch-accounts' });
    const rows = await db.dataSource.getRepository(AuditLogEntry).find({ where: { action: 'secret.decrypt' }, order: { id: 'DESC' } });
    expect(rows).toHaveLength(before + 1);
    expect(rows[0]).toMatchObject({ tenantId: alice.tenantId, actor: 'user:alice', target: `connection:${aliceConnection}`, details: { kind: 'grant', masterKeyId: 'k1', reason: 'fetch-accounts' } });
    expect(JSON.stringify(rows)).not.toContain(canary);
  });

  it('a decryption costs two statements, both prepared: the secret read and its audit row (no transaction around the audit INSERT)', async () => {
    const sent: string[] = [];
    const named: boolean[] = [];
    const original = Client.prototype.query;
    (Client.prototype as unknown as { query: unknown }).query = function (this: Client, ...args: unknown[]): unknown {
      const q = args[0] as string | { text?: string } | undefined;
      sent.push((typeof q === 'string' ? q : (q?.text ?? '')).replace(/\s+/g, ' ').trim());
      named.push(typeof q === 'object' && typeof (q as { name?: unknown }).name === 'string');
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
    try {
      await secrets.reveal(alice, aliceConnection, 'grant', { actor: 'system:sync', reason: 'sync' });
    } finally {
      (Client.prototype as unknown as { query: unknown }).query = original;
    }
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^SELECT .* FROM "?connection_secrets"? WHERE tenant_id = \$1 AND user_id = \$2 /i);
    expect(sent[1]).toMatch(/^INSERT INTO audit_log /);
    // Named prepared statements: each pooled connection parses and plans them once (every sync session reads its grant).
    expect(named).toEqual([true, true]);
    const [row] = await db.dataSource.getRepository(AuditLogEntry).find({ where: { action: 'secret.decrypt' }, order: { id: 'DESC' }, take: 1 });
    expect(row).toMatchObject({ tenantId: alice.tenantId, actor: 'system:sync', target: `connection:${aliceConnection}`, details: { kind: 'grant', masterKeyId: 'k1', reason: 'sync' } });
    expect(row?.occurredAt).toBeInstanceOf(Date);
  });

  it('opens a secret another statement read (the sync run reads its grant with the session): the same value and audit row, its audit INSERT the only statement', async () => {
    const readWith = async (scope: UserScope, connectionId: string) =>
      sealedRowOf(
        ((await db.dataSource.query(`SELECT c.id, ${sealedSecretColumns('g')} FROM connections c ${sealedSecretJoin('g', 'c.tenant_id', 'c.user_id', 'c.id', 'grant')} WHERE c.id = $1 AND c.tenant_id = $2`, [connectionId, scope.tenantId])) as object[])[0]!,
        'g',
      );
    const sealed = await readWith(alice, aliceConnection);
    const elsewhere = await insertConnection(db.dataSource, alice);
    const noGrant = await readWith(alice, elsewhere);
    expect(noGrant).toBeNull();
    const sent: string[] = [];
    const original = Client.prototype.query;
    (Client.prototype as unknown as { query: unknown }).query = function (this: Client, ...args: unknown[]): unknown {
      const q = args[0] as string | { text?: string } | undefined;
      sent.push((typeof q === 'string' ? q : (q?.text ?? '')).replace(/\s+/g, ' ').trim());
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
    let revealed: Redacted.Redacted<string>;
    try {
      revealed = await secrets.revealRead(alice, aliceConnection, 'grant', sealed, { actor: 'system:sync', reason: 'sync-read' });
    } finally {
      (Client.prototype as unknown as { query: unknown }).query = original;
    }
    expect(Redacted.value(revealed)).toBe(canary);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^INSERT INTO audit_log /);
    const [row] = await db.dataSource.getRepository(AuditLogEntry).find({ where: { action: 'secret.decrypt' }, order: { id: 'DESC' }, take: 1 });
    expect(row).toMatchObject({ tenantId: alice.tenantId, actor: 'system:sync', target: `connection:${aliceConnection}`, details: { kind: 'grant', masterKeyId: 'k1', reason: 'sync-read' } });
    // None stored: NotFound, nothing audited; a row read for one connection does not open as another's (bound as authenticated data).
    const audits = await db.dataSource.getRepository(AuditLogEntry).count();
    await expect(secrets.revealRead(alice, elsewhere, 'grant', noGrant, access)).rejects.toBeInstanceOf(NotFoundError);
    expect(await db.dataSource.getRepository(AuditLogEntry).count()).toBe(audits);
    await expect(secrets.revealRead(alice, elsewhere, 'grant', sealed, access)).rejects.toBeInstanceOf(SecretDecryptionError);
  });

  it('keeps the plaintext out of the database (pg_dump | grep finds nothing)', async () => {
    const dump = await dumpAsText(db.dataSource);
    expect(dump).toContain(aliceConnection); // the dump does hold the rows…
    expect(dump).not.toContain(canary); // …but not the secret
    expect(dump).not.toContain(Buffer.from(canary).toString('hex'));
  });

  it('answers NotFound for another user’s or tenant’s connection, and audits nothing', async () => {
    const audits = await db.dataSource.getRepository(AuditLogEntry).count();
    await expect(secrets.reveal(bob, aliceConnection, 'grant', access)).rejects.toBeInstanceOf(NotFoundError);
    await expect(secrets.reveal({ tenantId: mallory.tenantId, userId: alice.userId }, aliceConnection, 'grant', access)).rejects.toBeInstanceOf(NotFoundError);
    await expect(secrets.store(bob, aliceConnection, 'grant', Redacted.make('overwrite'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(secrets.store(mallory, bobConnection, 'credentials', Redacted.make('x'))).rejects.toBeInstanceOf(NotFoundError);
    expect(await db.dataSource.getRepository(AuditLogEntry).count()).toBe(audits);
    expect(Redacted.value(await secrets.reveal(alice, aliceConnection, 'grant', access))).toBe(canary);
  });

  it('does not open a record moved under another connection (bound as authenticated data)', async () => {
    const repo = db.dataSource.getRepository(ConnectionSecret);
    const original = await repo.findOneByOrFail({ connectionId: aliceConnection, kind: 'grant' });
    await repo.insert({ ...original, id: '01a1fe9a-0000-7000-8000-000000000001', connectionId: aliceOther });
    await expect(secrets.reveal(alice, aliceOther, 'grant', access)).rejects.toBeInstanceOf(SecretDecryptionError);
    expect(await db.dataSource.getRepository(AuditLogEntry).countBy({ action: 'secret.decrypt.failed', target: `connection:${aliceOther}` })).toBe(1);
  });

  it('replaces a secret in place and removes it on request', async () => {
    await secrets.store(bob, bobConnection, 'credentials', Redacted.make('v1'));
    await secrets.store(bob, bobConnection, 'credentials', Redacted.make('v2'));
    expect(await db.dataSource.getRepository(ConnectionSecret).countBy({ connectionId: bobConnection })).toBe(1);
    expect(Redacted.value(await secrets.reveal(bob, bobConnection, 'credentials', access))).toBe('v2');
    expect(await secrets.remove(alice, bobConnection)).toBe(0);
    expect(await secrets.remove(bob, bobConnection)).toBe(1);
    expect(await secrets.has(bob, bobConnection, 'credentials')).toBe(false);
  });
});
