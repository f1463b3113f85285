import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../src/database/ids';
import { rewrapAllSecrets } from '../../src/secrets/master-key-rotation';
import { MasterKeyring } from '../../src/secrets/master-keyring';
import { DEFAULT_WEBHOOK_SETTINGS } from '../../src/webhooks/webhook-settings';
import { WebhookEndpoint } from '../../src/webhooks/webhook.entities';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// An endpoint's signing secret is envelope-encrypted like connection secrets, and the master
// key rotation re-wraps it too: after the rotation the old key can go and the secret still opens.

const k1 = { id: 'k1', key: Buffer.alloc(32, 11) };
const k2 = { id: 'k2', key: Buffer.alloc(32, 22) };
const settings = { ...DEFAULT_WEBHOOK_SETTINGS, allowPrivateNetworks: true };

describe('webhook secrets and the master key rotation', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('are stored sealed, re-wrapped by rewrapAllSecrets, and open under the new key alone', async () => {
    const tenantId = newId();
    await db.dataSource.query(`INSERT INTO tenants (id, name) VALUES ($1, 'rotation')`, [tenantId]);
    const created = await new WebhooksService(db.dataSource, new MasterKeyring(k1, []), settings).create(tenantId, { url: 'http://127.0.0.1:9/hook', eventTypes: ['sync.finished'] });
    const row = await db.dataSource.getRepository(WebhookEndpoint).findOneByOrFail({ id: created.endpoint.id });
    expect(row.masterKeyId).toBe('k1');
    expect(row.ciphertext.toString('latin1')).not.toContain(created.secret.slice(6, 20));

    const report = await rewrapAllSecrets(db.dataSource, new MasterKeyring(k2, [k1]));
    expect(report.failed).toBe(0);
    expect(report.unknownKeys).toEqual({});
    const after = await db.dataSource.getRepository(WebhookEndpoint).findOneByOrFail({ id: created.endpoint.id });
    expect(after.masterKeyId).toBe('k2');
    expect(after.ciphertext.equals(row.ciphertext)).toBe(true); // only the data key was re-wrapped
    expect(new WebhooksService(db.dataSource, new MasterKeyring(k2, []), settings).secretOf(after)).toBe(created.secret);
    expect(() => new WebhooksService(db.dataSource, new MasterKeyring(k1, []), settings).secretOf(after)).toThrow();
  });
});
