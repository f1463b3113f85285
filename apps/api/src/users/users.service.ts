import { Injectable } from '@nestjs/common';
import type { Language } from '@kinko/domain';
import { DataSource, MoreThan, QueryFailedError } from 'typeorm';
import { ConflictError } from '../common/errors';
import { newId } from '../database/ids';
import { ScopedData, type TenantScope, type UserScope } from '../database/scoped-data';
import { rememberUserLanguage } from './user-language';
import { User } from './user.entity';

const UNIQUE_VIOLATION = '23505';

/** One page of users (keyset pagination by id, which is time-ordered). */
export interface UsersPage {
  readonly items: User[];
  readonly nextCursor: string | null;
}

/** The users of a tenant. */
@Injectable()
export class UsersService {
  constructor(
    private readonly data: ScopedData,
    private readonly dataSource: DataSource,
  ) {}

  /** Creates a user; {@link ConflictError} when the tenant already has one with this external id. */
  async create(scope: TenantScope, externalId: string, language: Language | null = null): Promise<User> {
    const users = this.data.forTenant(User, scope);
    const id = newId();
    try {
      await users.insert({ id, externalId, language });
    } catch (e) {
      if (e instanceof QueryFailedError && (e.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new ConflictError('external-id-taken', `A user with externalId "${externalId}" already exists.`);
      }
      throw e;
    }
    return users.get({ id });
  }

  /** A user of the tenant; {@link NotFoundError} otherwise. */
  get(scope: TenantScope, userId: string): Promise<User> {
    return this.data.forTenant(User, scope).get({ id: userId });
  }

  /** Sets (or, with null, forgets) the user's language; {@link NotFoundError} if it is not the tenant's user. */
  async setLanguage(scope: TenantScope, userId: string, language: Language | null): Promise<User> {
    const user = await this.get(scope, userId);
    await rememberUserLanguage(this.dataSource.manager, { tenantId: user.tenantId, userId: user.id }, language);
    return this.get(scope, userId);
  }

  /** The user with this external id, if the tenant has one. */
  findByExternalId(scope: TenantScope, externalId: string): Promise<User | null> {
    return this.data.forTenant(User, scope).findOne({ externalId });
  }

  /** The user scope for one of the tenant's users; {@link NotFoundError} if it is not the tenant's. */
  async scopeOf(scope: TenantScope, userId: string): Promise<UserScope> {
    const user = await this.get(scope, userId);
    return { tenantId: user.tenantId, userId: user.id };
  }

  /** A page of the tenant's users, oldest first. */
  async list(scope: TenantScope, limit = 50, after?: string): Promise<UsersPage> {
    const items = await this.data.forTenant(User, scope).find({
      where: after ? { id: MoreThan(after) } : {},
      order: { id: 'ASC' },
      take: limit + 1,
    });
    const page = items.slice(0, limit);
    return { items: page, nextCursor: items.length > limit ? (page[page.length - 1]?.id ?? null) : null };
  }
}
