import type { DataSource } from 'typeorm';
import { AuditLog } from '../audit/audit-log.service';
import { CHALLENGE_PAYLOAD_PURPOSE } from '../challenges/challenge-payload';
import { type SealedSecret, SecretDecryptionError, rewrapSecret } from './envelope';
import type { MasterKeyring } from './master-keyring';
import { WEBHOOK_SECRET_PURPOSE } from '../webhooks/webhook.entities';
import { runTransaction } from '../database/transaction';

/** What a rotation did. */
export interface RotationReport {
  /** The key every re-wrapped data key is now under. */
  readonly toKeyId: string;
  readonly rewrapped: number;
  readonly batches: number;
  /** Records that could not be re-wrapped (altered, or under a key no longer configured). */
  readonly failed: number;
  /** Records still under a key id this process does not know, by key id. */
  readonly unknownKeys: Readonly<Record<string, number>>;
}

interface SealedRow {
  id: string;
  tenant_id: string;
  connection_id: string;
  purpose: string;
  master_key_id: string;
  wrapped_data_key: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
  auth_tag: Buffer;
}

/** A table holding envelope-encrypted records, and the purpose each record's envelope is bound to. */
interface SealedTable {
  readonly table: 'connection_secrets' | 'auth_attempts' | 'webhook_endpoints';
  /** SQL giving the purpose of a row (the binding it was sealed with). */
  readonly purpose: string;
  /** SQL giving the binding's connection id (a webhook endpoint's secret is bound to the endpoint's id). */
  readonly connection?: string;
}

/**
 * Every table with envelope-encrypted records: the connections' secrets (grant,
 * credentials; purpose = kind) and the waiting auth attempts (challenge and connector
 * state; rows without a payload have a null key id and are skipped).
 */
const SEALED_TABLES: readonly SealedTable[] = [
  { table: 'connection_secrets', purpose: 'kind' },
  { table: 'auth_attempts', purpose: `'${CHALLENGE_PAYLOAD_PURPOSE}'` },
  { table: 'webhook_endpoints', purpose: `'${WEBHOOK_SECRET_PURPOSE}'`, connection: 'id' },
];

/**
 * Re-wraps every data key that is under an older master key with the current one — the
 * connections' secrets and the auth attempts' challenge payloads — in batches, each batch
 * in its own transaction (rows locked while re-wrapped). The API keeps running: until a
 * record is re-wrapped its old key still opens it, and new records are already written
 * under the current key. Only `master_key_id` and `wrapped_data_key` change — the
 * record's own ciphertext is never touched.
 */
export async function rewrapAllSecrets(
  dataSource: DataSource,
  keyring: MasterKeyring,
  options: { readonly batchSize?: number; readonly actor?: string; readonly onBatch?: (rewrapped: number) => void } = {},
): Promise<RotationReport> {
  const batchSize = options.batchSize ?? 500;
  const audit = new AuditLog(dataSource);
  const older = keyring.olderIds;
  let rewrapped = 0;
  let batches = 0;
  let failed = 0;

  for (const { table, purpose, connection } of SEALED_TABLES) {
    let cursor = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const done = await runTransaction(dataSource, async (manager) => {
        const rows: SealedRow[] = await manager.query(
          `select id, tenant_id, ${connection ?? 'connection_id'} as connection_id, ${purpose} as purpose, master_key_id, wrapped_data_key, nonce, ciphertext, auth_tag
             from ${table}
            where master_key_id = any($1) and id > $2
            order by id
            limit $3
            for update`,
          [older, cursor, batchSize],
        );
        if (rows.length === 0) return true;
        cursor = rows[rows.length - 1]?.id ?? cursor;
        const ids: string[] = [];
        const keys: Buffer[] = [];
        for (const row of rows) {
          const sealed: SealedSecret = {
            masterKeyId: row.master_key_id,
            wrappedDataKey: row.wrapped_data_key,
            nonce: row.nonce,
            ciphertext: row.ciphertext,
            authTag: row.auth_tag,
          };
          try {
            const next = rewrapSecret(keyring, sealed, { tenantId: row.tenant_id, connectionId: row.connection_id, purpose: row.purpose });
            ids.push(row.id);
            keys.push(next.wrappedDataKey);
          } catch (e) {
            if (!(e instanceof SecretDecryptionError)) throw e;
            failed += 1;
          }
        }
        if (ids.length > 0) {
          await manager.query(
            `update ${table} s
                set master_key_id = $1, wrapped_data_key = v.wrapped${table === 'connection_secrets' ? ', wrapped_at = now()' : ''}
               from unnest($2::uuid[], $3::bytea[]) as v(id, wrapped)
              where s.id = v.id`,
            [keyring.current.id, ids, keys],
          );
        }
        await audit.record(
          {
            tenantId: null,
            actor: options.actor ?? 'system:master-key-rotation',
            action: 'master-key.rewrap',
            details: { table, count: ids.length, failed: rows.length - ids.length, toKeyId: keyring.current.id, fromKeyIds: [...new Set(rows.map((r) => r.master_key_id))] },
          },
          manager,
        );
        rewrapped += ids.length;
        batches += 1;
        options.onBatch?.(ids.length);
        return false;
      });
      if (done) break;
    }
  }

  const unknown: { master_key_id: string; count: string }[] = await dataSource.query(
    `select master_key_id, count(*)::text as count
       from (select master_key_id from connection_secrets union all select master_key_id from auth_attempts where master_key_id is not null
             union all select master_key_id from webhook_endpoints) k
      where master_key_id <> all($1) group by master_key_id`,
    [keyring.ids],
  );
  return {
    toKeyId: keyring.current.id,
    rewrapped,
    batches,
    failed,
    unknownKeys: Object.fromEntries(unknown.map((u) => [u.master_key_id, Number(u.count)])),
  };
}
