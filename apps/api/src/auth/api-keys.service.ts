import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { UnauthorizedError } from '../common/errors';
import { newId } from '../database/ids';
import { ApiKey } from '../tenants/api-key.entity';

/** What an API key authenticates as. */
export interface ApiKeyIdentity {
  readonly tenantId: string;
  readonly apiKeyId: string;
  readonly prefix: string;
}

/** A newly minted key: the only moment its plaintext exists outside the caller's hands. */
export interface MintedApiKey extends ApiKeyIdentity {
  /** `kinko_<prefix>_<secret>`: show once, never stored. */
  readonly apiKey: string;
}

/** How stale `last_used_at` may get before a request writes it again. */
export const LAST_USED_PRECISION_MS = 60_000;

const KEY_PATTERN = /^kinko_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;
const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

/**
 * Tenant API keys: `kinko_<prefix>_<secret>`. The prefix (public, 16 chars) finds the row;
 * the 256-bit secret is kept only as its SHA-256 (no salt needed for random secrets of
 * that size) and compared in constant time.
 */
@Injectable()
export class ApiKeysService {
  constructor(private readonly dataSource: DataSource) {}

  /** Creates a key for a tenant; the returned `apiKey` is the only copy of the secret. */
  async mint(tenantId: string, label: string): Promise<MintedApiKey> {
    const prefix = randomBytes(10).toString('hex').slice(0, 16);
    const secret = randomBytes(32).toString('base64url');
    const id = newId();
    await this.dataSource.getRepository(ApiKey).insert({ id, tenantId, prefix, secretHash: hashSecret(secret), label });
    return { tenantId, apiKeyId: id, prefix, apiKey: `kinko_${prefix}_${secret}` };
  }

  /** Resolves a presented key to its tenant; {@link UnauthorizedError} for anything else. */
  async authenticate(presented: string): Promise<ApiKeyIdentity> {
    const match = KEY_PATTERN.exec(presented);
    if (!match) throw new UnauthorizedError('Invalid API key.');
    const [, prefix, secret] = match as unknown as [string, string, string];
    const row = await this.dataSource.getRepository(ApiKey).findOne({ where: { prefix, revokedAt: IsNull() } });
    // Hash even when no row matches, so timing does not tell which prefixes exist.
    const presentedHash = hashSecret(secret);
    const storedHash = row?.secretHash ?? Buffer.alloc(presentedHash.length);
    if (!row || storedHash.length !== presentedHash.length || !timingSafeEqual(storedHash, presentedHash)) {
      throw new UnauthorizedError('Invalid API key.');
    }
    // Last use, kept to the minute: a write at most once a minute per key, not per request.
    if (row.lastUsedAt === null || Date.now() - row.lastUsedAt.getTime() >= LAST_USED_PRECISION_MS) {
      await this.dataSource.query(
        `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
        [row.id],
      );
    }
    return { tenantId: row.tenantId, apiKeyId: row.id, prefix };
  }

  /** A tenant's keys, revoked ones included, oldest first (never their secrets). */
  async list(tenantId: string): Promise<ApiKey[]> {
    return this.dataSource.getRepository(ApiKey).find({ where: { tenantId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** One key of a tenant, or null. */
  async get(tenantId: string, id: string): Promise<ApiKey | null> {
    return this.dataSource.getRepository(ApiKey).findOneBy({ tenantId, id });
  }

  /**
   * Revokes a key of a tenant, named by its id or its public prefix; returns whether one was
   * revoked. Every request reads the key's row (authenticate), so it stops working at once
   * on every process.
   */
  async revoke(tenantId: string, key: { readonly id: string } | { readonly prefix: string }): Promise<boolean> {
    const result = await this.dataSource.getRepository(ApiKey).update({ tenantId, ...key, revokedAt: IsNull() }, { revokedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }
}
