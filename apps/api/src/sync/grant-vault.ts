import { Inject, Injectable } from '@nestjs/common';
import type { Connector, ConnectorClient, ConnectorError, Grant, Granted, Outcome } from '@kinko/connector-sdk';
import { err, ok } from '@kinko/connector-sdk';
import { Redacted } from 'effect';
import { DataSource } from 'typeorm';
import { AuditLog } from '../audit/audit-log.service';
import { NotFoundError } from '../common/errors';
import { newId } from '../database/ids';
import type { UserScope } from '../database/scoped-data';
import { openSecret, sealSecret } from '../secrets/envelope';
import type { MasterKeyring } from '../secrets/master-keyring';
import { MASTER_KEYRING, type SealedRow, SecretsService } from '../secrets/secrets.service';
import { runTransaction } from '../database/transaction';

/**
 * What Kinko stores (encrypted, as the connection's `grant` secret) for a connection: the
 * connector's serialised grant plus what the app must know without opening it — when it
 * expires, and when the user last performed strong customer authentication.
 */
export interface StoredGrant {
  /** Changes with every store: tells a refresher whether someone else already replaced the grant. */
  readonly id: string;
  /** The connector's `serializeGrant` output (its secrets revealed: only ever stored encrypted). */
  readonly grant: Redacted.Redacted<string>;
  readonly accessExpiresAt: Date | null;
  readonly refreshExpiresAt: Date | null;
  readonly obtainedAt: Date;
  /** When the user last passed SCA at the bank (a redirect login or a credentials login with MFA). */
  readonly scaAt: Date | null;
}

interface StoredGrantJson {
  readonly v: 1;
  readonly id: string;
  readonly grant: string;
  readonly accessExpiresAt: string | null;
  readonly refreshExpiresAt: string | null;
  readonly obtainedAt: string;
  readonly scaAt: string | null;
}

const toJson = (g: StoredGrant): string =>
  JSON.stringify({
    v: 1,
    id: g.id,
    grant: Redacted.value(g.grant),
    accessExpiresAt: g.accessExpiresAt?.toISOString() ?? null,
    refreshExpiresAt: g.refreshExpiresAt?.toISOString() ?? null,
    obtainedAt: g.obtainedAt.toISOString(),
    scaAt: g.scaAt?.toISOString() ?? null,
  } satisfies StoredGrantJson);

/** Thrown when a stored grant secret is not in the {@link StoredGrant} format. */
export class MalformedStoredGrantError extends Error {
  override readonly name = 'MalformedStoredGrantError';
}

function fromJson(text: Redacted.Redacted<string>): StoredGrant {
  let json: Partial<StoredGrantJson>;
  try {
    json = JSON.parse(Redacted.value(text)) as Partial<StoredGrantJson>;
  } catch {
    throw new MalformedStoredGrantError('the stored grant is not JSON');
  }
  if (json.v !== 1 || typeof json.grant !== 'string' || typeof json.id !== 'string' || typeof json.obtainedAt !== 'string') {
    throw new MalformedStoredGrantError('the stored grant is not a Kinko grant record (v1)');
  }
  const date = (s: string | null | undefined): Date | null => (typeof s === 'string' ? new Date(s) : null);
  return {
    id: json.id,
    grant: Redacted.make(json.grant, { label: 'connection grant' }),
    accessExpiresAt: date(json.accessExpiresAt),
    refreshExpiresAt: date(json.refreshExpiresAt),
    obtainedAt: new Date(json.obtainedAt),
    scaAt: date(json.scaAt),
  };
}

/** A usable grant: the connector's opaque value and its stored record. */
export interface UsableGrant {
  readonly grant: Grant;
  readonly record: StoredGrant;
  /** True when this call refreshed it at the bank. */
  readonly refreshed: boolean;
}

/** How {@link GrantVault.usable} decides whether to refresh. */
export interface FreshnessRequest {
  readonly now: Date;
  /** Refresh when the access token expires within this margin. */
  readonly marginMs: number;
  /** Refresh even if not expiring (the bank refused it), unless someone replaced `staleId` meanwhile. */
  readonly force?: { readonly staleId: string };
  /** Wraps the bank call (the cross-process request limiter). */
  readonly aroundBankCall?: <T>(call: () => Promise<T>) => Promise<T>;
  /** The stored record the caller already read ({@link GrantVault.read}): not read again unless a refresh locks it. */
  readonly current?: StoredGrant;
}

/** Whether {@link GrantVault.usable} refreshes this record at the bank (its access token expires within the margin, or `force` names it). */
export function grantNeedsRefresh(record: StoredGrant, request: Pick<FreshnessRequest, 'now' | 'marginMs' | 'force'>): boolean {
  return request.force !== undefined
    ? record.id === request.force.staleId
    : record.accessExpiresAt !== null && record.accessExpiresAt.getTime() - request.marginMs <= request.now.getTime();
}

/**
 * The connections' grants: stored envelope-encrypted (via the secrets' envelope), read
 * through {@link SecretsService.reveal} (audited), and refreshed with ONE refresh in flight
 * per connection across every process: the refresher locks the connection's grant row
 * (`SELECT … FOR UPDATE`), re-reads it under the lock (another process may just have
 * refreshed it), calls the bank, and stores the new grant in the same transaction. The
 * bank rotates refresh tokens, so two concurrent refreshes would leave one with a dead pair.
 *
 * The connect flow stores a new grant with {@link GrantVault.storeGranted}.
 */
@Injectable()
export class GrantVault {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: SecretsService,
    @Inject(MASTER_KEYRING) private readonly keyring: MasterKeyring,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Stores a grant just obtained from the connector (`auth.complete`/`answerChallenge`),
   * replacing any previous one. `scaAt`: when the user passed SCA (normally now for a login).
   */
  async storeGranted(scope: UserScope, connectionId: string, connector: Connector, granted: Granted<Grant>, obtained: { readonly now: Date; readonly scaAt: Date | null }): Promise<StoredGrant> {
    const serialized = connector.serializeGrant(granted.grant);
    if (!serialized.ok) throw new MalformedStoredGrantError(`the connector could not serialise its grant: ${serialized.error.message}`);
    const record: StoredGrant = {
      id: newId(),
      grant: Redacted.make(serialized.value),
      accessExpiresAt: granted.accessExpiresAt ?? null,
      refreshExpiresAt: granted.refreshExpiresAt ?? null,
      obtainedAt: obtained.now,
      scaAt: obtained.scaAt,
    };
    await this.secrets.store(scope, connectionId, 'grant', Redacted.make(toJson(record)));
    return record;
  }

  /** Whether the connection has a stored grant (nothing is decrypted). */
  has(scope: UserScope, connectionId: string): Promise<boolean> {
    return this.secrets.has(scope, connectionId, 'grant');
  }

  /**
   * The stored grant record (decrypted, audited); {@link NotFoundError} when there is none.
   * `sealed`: its sealed row as another statement read it (the sync run's first read), not read again.
   */
  async read(scope: UserScope, connectionId: string, reason: string, sealed?: { readonly row: SealedRow | null }): Promise<StoredGrant> {
    const access = { actor: 'system:sync', reason };
    return fromJson(sealed ? await this.secrets.revealRead(scope, connectionId, 'grant', sealed.row, access) : await this.secrets.reveal(scope, connectionId, 'grant', access));
  }

  /**
   * A grant to call the bank with: the stored one, or — when its access token expires within
   * the margin, or `force` says the bank refused it — a refreshed one (one refresher per
   * connection across all processes; the others wait for it and use its result).
   */
  async usable(scope: UserScope, connectionId: string, connector: Connector, client: ConnectorClient, request: FreshnessRequest): Promise<Outcome<UsableGrant>> {
    const needsRefresh = (r: StoredGrant): boolean => grantNeedsRefresh(r, request);
    const current = request.current ?? (await this.read(scope, connectionId, 'sync'));
    if (!needsRefresh(current)) return this.open(connector, current, false);

    // Everything under the lock goes through this one connection: a waiter never needs a
    // second pooled connection, so waiters cannot starve the holder of the pool.
    return runTransaction(this.dataSource, async (manager) => {
      const rows = (await manager.query(
        `SELECT id, master_key_id, wrapped_data_key, nonce, ciphertext, auth_tag FROM connection_secrets
          WHERE tenant_id = $1 AND user_id = $2 AND connection_id = $3 AND kind = 'grant' FOR UPDATE`,
        [scope.tenantId, scope.userId, connectionId],
      )) as Array<{ id: string; master_key_id: string; wrapped_data_key: Buffer; nonce: Buffer; ciphertext: Buffer; auth_tag: Buffer }>;
      const row = rows[0];
      if (!row) throw new NotFoundError('Grant');
      // Re-read under the lock: another process may have refreshed it while we waited.
      const binding = { tenantId: scope.tenantId, connectionId, purpose: 'grant' };
      const plaintext = openSecret(this.keyring, { masterKeyId: row.master_key_id, wrappedDataKey: row.wrapped_data_key, nonce: row.nonce, ciphertext: row.ciphertext, authTag: row.auth_tag }, binding);
      const latest = fromJson(Redacted.make(plaintext.toString('utf8')));
      plaintext.fill(0);
      await this.audit.record(
        { tenantId: scope.tenantId, actor: 'system:sync', action: 'secret.decrypt', target: `connection:${connectionId}`, details: { kind: 'grant', masterKeyId: row.master_key_id, reason: 'refresh-grant' } },
        manager,
      );
      if (!needsRefresh(latest)) return this.open(connector, latest, false);
      const opened = this.open(connector, latest, false);
      if (!opened.ok) return opened;
      const around = request.aroundBankCall ?? (<T>(call: () => Promise<T>) => call());
      const refreshed = await around(() => client.auth.refresh(opened.value.grant));
      if (!refreshed.ok) return err(refreshed.error);
      const serialized = connector.serializeGrant(refreshed.value.grant);
      if (!serialized.ok) return err(serialized.error);
      const record: StoredGrant = {
        id: newId(),
        grant: Redacted.make(serialized.value),
        accessExpiresAt: refreshed.value.accessExpiresAt ?? null,
        refreshExpiresAt: refreshed.value.refreshExpiresAt ?? latest.refreshExpiresAt,
        obtainedAt: request.now,
        // A refresh is not a strong authentication: the SCA instant carries over.
        scaAt: latest.scaAt,
      };
      const sealed = sealSecret(this.keyring, Buffer.from(toJson(record), 'utf8'), binding);
      await manager.query(
        `UPDATE connection_secrets SET master_key_id = $1, wrapped_data_key = $2, nonce = $3, ciphertext = $4, auth_tag = $5, wrapped_at = now() WHERE id = $6`,
        [sealed.masterKeyId, sealed.wrappedDataKey, sealed.nonce, sealed.ciphertext, sealed.authTag, row.id],
      );
      await this.audit.record(
        { tenantId: scope.tenantId, actor: 'system:sync', action: 'grant.refresh', target: `connection:${connectionId}`, details: { masterKeyId: sealed.masterKeyId } },
        manager,
      );
      return ok({ grant: refreshed.value.grant, record, refreshed: true });
    });
  }

  private open(connector: Connector, record: StoredGrant, refreshed: boolean): Outcome<UsableGrant> {
    const grant = connector.deserializeGrant(Redacted.value(record.grant));
    return grant.ok ? ok({ grant: grant.value, record, refreshed }) : (grant as { ok: false; error: ConnectorError });
  }
}
