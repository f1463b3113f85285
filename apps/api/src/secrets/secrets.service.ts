import { Inject, Injectable } from '@nestjs/common';
import { Redacted } from 'effect';
import { AuditLog } from '../audit/audit-log.service';
import { Connection } from '../connections/connection.entity';
import { NotFoundError } from '../common/errors';
import { newId } from '../database/ids';
import { preparedQuery } from '../database/prepared-sql';
import { ScopedData, type UserScope } from '../database/scoped-data';
import { ConnectionSecret, type SecretKind } from './connection-secret.entity';
import { type SealedSecret, type SecretBinding, SecretDecryptionError, openSecret, sealSecret } from './envelope';
import type { MasterKeyring } from './master-keyring';

/** Injection token of the process's {@link MasterKeyring}. */
export const MASTER_KEYRING = Symbol('kinko.master-keyring');

/** Who reads a secret and why; written to the audit log with every decryption. */
export interface SecretAccess {
  /** e.g. `system:sync`, `user:<id>`. */
  readonly actor: string;
  /** e.g. `refresh-grant`, `fetch-accounts`. */
  readonly reason: string;
}

const binding = (scope: UserScope, connectionId: string, kind: SecretKind): SecretBinding => ({ tenantId: scope.tenantId, connectionId, purpose: kind });

/**
 * The sealed parts of one secret of the user's connection (the scope's columns in the WHERE,
 * as ScopedData's repositories narrow them): a prepared statement, since every sync session
 * reads its grant — TypeORM's findOne built and parsed the same SELECT through its query
 * builder and entity transformer on every call.
 */
const SEALED_SQL = `SELECT master_key_id, wrapped_data_key, nonce, ciphertext, auth_tag FROM connection_secrets
  WHERE tenant_id = $1 AND user_id = $2 AND connection_id = $3 AND kind = $4`;

const SEALED_COLUMNS = ['master_key_id', 'wrapped_data_key', 'nonce', 'ciphertext', 'auth_tag'] as const;

/** A secret's sealed parts as read (still encrypted: nothing here is the secret). */
export interface SealedRow {
  readonly master_key_id: string;
  readonly wrapped_data_key: Buffer;
  readonly nonce: Buffer;
  readonly ciphertext: Buffer;
  readonly auth_tag: Buffer;
}

/**
 * The sealed parts of one secret of a connection, for another statement to read with its own
 * work (e.g. the sync run's first read, session-store.ts): a LATERAL join as `alias` on the scope's
 * columns (SQL expressions), and its columns prefixed `<alias>_`; {@link sealedRowOf} reads them
 * back, for {@link SecretsService.revealRead}. The same WHERE as {@link SEALED_SQL}.
 */
export const sealedSecretJoin = (alias: string, tenant: string, user: string, connection: string, kind: SecretKind): string =>
  `LEFT JOIN LATERAL (SELECT ${SEALED_COLUMNS.join(', ')} FROM connection_secrets
      WHERE tenant_id = ${tenant} AND user_id = ${user} AND connection_id = ${connection} AND kind = '${kind}') ${alias} ON true`;
export const sealedSecretColumns = (alias: string): string => SEALED_COLUMNS.map((c) => `${alias}.${c} AS ${alias}_${c}`).join(', ');
/** The sealed row {@link sealedSecretColumns} read as `alias` (null when the connection has no such secret). */
export function sealedRowOf(row: object, alias: string): SealedRow | null {
  const column = (name: keyof SealedRow): unknown => (row as Readonly<Record<string, unknown>>)[`${alias}_${name}`];
  if (column('master_key_id') == null) return null;
  return {
    master_key_id: column('master_key_id') as string,
    wrapped_data_key: column('wrapped_data_key') as Buffer,
    nonce: column('nonce') as Buffer,
    ciphertext: column('ciphertext') as Buffer,
    auth_tag: column('auth_tag') as Buffer,
  };
}

const sealedOf = (row: SealedRow): SealedSecret => ({
  masterKeyId: row.master_key_id,
  wrappedDataKey: row.wrapped_data_key,
  nonce: row.nonce,
  ciphertext: row.ciphertext,
  authTag: row.auth_tag,
});

/**
 * A connection's grant and credentials, stored envelope-encrypted (see envelope.ts) and
 * handed out as `Redacted` values, so a stray log line prints `<redacted>`. Every
 * decryption is audited (who, why, which key — never the secret).
 */
@Injectable()
export class SecretsService {
  constructor(
    private readonly data: ScopedData,
    @Inject(MASTER_KEYRING) private readonly keyring: MasterKeyring,
    private readonly audit: AuditLog,
  ) {}

  /** Encrypts and stores (or replaces) a connection's secret. {@link NotFoundError} if the connection is not the user's. */
  async store(scope: UserScope, connectionId: string, kind: SecretKind, plaintext: Redacted.Redacted<string>): Promise<void> {
    const sealed = sealSecret(this.keyring, Buffer.from(Redacted.value(plaintext), 'utf8'), binding(scope, connectionId, kind));
    await this.data.transaction(async (tx) => {
      await tx.forUser(Connection, scope).get({ id: connectionId });
      const secrets = tx.forUser(ConnectionSecret, scope);
      const fields = { ...sealed, wrappedAt: new Date() };
      const updated = await secrets.update({ connectionId, kind }, fields);
      if (updated === 0) await secrets.insert({ id: newId(), connectionId, kind, ...fields });
    });
  }

  /** Whether the connection has this secret stored. */
  has(scope: UserScope, connectionId: string, kind: SecretKind): Promise<boolean> {
    return this.data.forUser(ConnectionSecret, scope).exists({ connectionId, kind });
  }

  /**
   * Decrypts a connection's secret and records the access in the audit log (in the same
   * call, before the value is returned). {@link NotFoundError} when there is none.
   */
  async reveal(scope: UserScope, connectionId: string, kind: SecretKind, access: SecretAccess): Promise<Redacted.Redacted<string>> {
    if (!scope.tenantId || !scope.userId) throw new Error('scope.tenantId and scope.userId are required');
    const [found] = await preparedQuery<SealedRow>(this.data.manager, SEALED_SQL, [scope.tenantId, scope.userId, connectionId, kind]);
    return this.revealRead(scope, connectionId, kind, found ?? null, access);
  }

  /**
   * {@link reveal} of a secret whose sealed row another statement read ({@link sealedSecretJoin}; null:
   * none stored, {@link NotFoundError}): decrypted and audited the same way, with no read of its own.
   */
  async revealRead(scope: UserScope, connectionId: string, kind: SecretKind, found: SealedRow | null, access: SecretAccess): Promise<Redacted.Redacted<string>> {
    if (!scope.tenantId || !scope.userId) throw new Error('scope.tenantId and scope.userId are required');
    if (!found) throw new NotFoundError('ConnectionSecret');
    const row = sealedOf(found);
    const event = { tenantId: scope.tenantId, actor: access.actor, target: `connection:${connectionId}` };
    let plaintext: Buffer;
    try {
      plaintext = openSecret(this.keyring, row, binding(scope, connectionId, kind));
    } catch (e) {
      if (e instanceof SecretDecryptionError) {
        await this.audit.record({ ...event, action: 'secret.decrypt.failed', details: { kind, masterKeyId: row.masterKeyId, reason: access.reason, error: e.message } });
      }
      throw e;
    }
    await this.audit.record({ ...event, action: 'secret.decrypt', details: { kind, masterKeyId: row.masterKeyId, reason: access.reason } });
    const value = Redacted.make(plaintext.toString('utf8'), { label: `connection ${kind}` });
    plaintext.fill(0);
    return value;
  }

  /** Deletes a connection's secret(s) (all kinds when `kind` is omitted); returns how many. */
  remove(scope: UserScope, connectionId: string, kind?: SecretKind): Promise<number> {
    return this.data.forUser(ConnectionSecret, scope).delete(kind ? { connectionId, kind } : { connectionId });
  }
}
