import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeysService, type MintedApiKey } from '../auth/api-keys.service';
import { NotFoundError } from '../common/errors';
import { newId } from '../database/ids';
import { Tenant } from './tenant.entity';

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

  /** The tenant with this name, if any (the demo looks itself up by name). */
  findByName(name: string): Promise<Tenant | null> {
    return this.dataSource.getRepository(Tenant).findOne({ where: { name } });
  }
}
