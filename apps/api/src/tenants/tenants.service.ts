import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeysService, type MintedApiKey } from '../auth/api-keys.service';
import { NotFoundError } from '../common/errors';
import { newId } from '../database/ids';
import { type LinkSettings, MAX_RETURN_URLS, checkAccentColor, checkLogoUrl, checkReturnUrl, linkSettingsOf } from './link-settings';
import { Tenant } from './tenant.entity';
import type { KinkoMode } from '../config/settings';
import { ValidationFailedError } from '../common/errors';

/** A tenant just created together with its first API key. */
export interface BootstrappedTenant {
  readonly tenant: Tenant;
  readonly apiKey: MintedApiKey;
}

/** Tenants: created by the bootstrap command (or the demo), never through the public API. */
@Injectable()
export class TenantsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeysService,
  ) {}

  /** Creates a tenant and its first API key (the key's plaintext is returned once). */
  async bootstrap(name: string, keyLabel = 'bootstrap'): Promise<BootstrappedTenant> {
    const tenant = this.dataSource.getRepository(Tenant).create({ id: newId(), name });
    await this.dataSource.getRepository(Tenant).insert(tenant);
    const saved = await this.get(tenant.id);
    return { tenant: saved, apiKey: await this.apiKeys.mint(saved.id, keyLabel) };
  }

  /** A tenant by id; {@link NotFoundError} when absent. */
  async get(tenantId: string): Promise<Tenant> {
    const tenant = await this.dataSource.getRepository(Tenant).findOne({ where: { id: tenantId } });
    if (!tenant) throw new NotFoundError('Tenant');
    return tenant;
  }

  /** The tenant's Link pages settings (display name, logo, accent colour, return URLs). */
  async linkSettings(tenantId: string): Promise<LinkSettings> {
    return linkSettingsOf(await this.get(tenantId));
  }

  /**
   * Changes the Link pages settings: a field given replaces the stored one (`null` clears
   * it); each value is checked (return URLs per the webhook URL policy's convention, an
   * https logo URL, a #rrggbb colour) before anything is stored.
   */
  async updateLinkSettings(
    tenantId: string,
    input: { displayName?: string | null; logoUrl?: string | null; accentColor?: string | null; returnUrls?: readonly string[] },
    mode: KinkoMode,
  ): Promise<LinkSettings> {
    await this.get(tenantId);
    const change: Partial<Pick<Tenant, 'displayName' | 'logoUrl' | 'accentColor' | 'returnUrls'>> = {};
    if (input.displayName !== undefined) change.displayName = input.displayName === null ? null : input.displayName.trim() || null;
    if (input.logoUrl !== undefined) change.logoUrl = input.logoUrl === null ? null : checkLogoUrl(input.logoUrl);
    if (input.accentColor !== undefined) change.accentColor = input.accentColor === null ? null : checkAccentColor(input.accentColor);
    if (input.returnUrls !== undefined) {
      if (input.returnUrls.length > MAX_RETURN_URLS) throw new ValidationFailedError([{ field: 'returnUrls', reason: `at most ${MAX_RETURN_URLS}` }]);
      change.returnUrls = [...new Set(input.returnUrls.map((u) => checkReturnUrl(u, mode)))];
    }
    if (Object.keys(change).length > 0) await this.dataSource.getRepository(Tenant).update({ id: tenantId }, change);
    return this.linkSettings(tenantId);
  }

  /** The tenant with this name, if any (the demo looks itself up by name). */
  findByName(name: string): Promise<Tenant | null> {
    return this.dataSource.getRepository(Tenant).findOne({ where: { name } });
  }
}
