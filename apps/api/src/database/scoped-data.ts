import { Injectable } from '@nestjs/common';
import {
  DataSource,
  type EntityManager,
  type EntityTarget,
  type FindManyOptions,
  type FindOptionsWhere,
  type ObjectLiteral,
  type Repository,
  type SelectQueryBuilder,
} from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { NotFoundError } from '../common/errors';
import { runTransaction } from './transaction';

/** The tenant a request acts for (API key callers). */
export interface TenantScope {
  readonly tenantId: string;
}

/** The (tenant, user) a request acts for (user token callers, or a tenant reading one of its users). */
export interface UserScope extends TenantScope {
  readonly userId: string;
}

/** A row that belongs to a tenant. */
export type TenantOwned = ObjectLiteral & { tenantId: string };
/** A row that belongs to one user of one tenant. */
export type UserOwned = TenantOwned & { userId: string };

/** A where clause, or several OR-ed; each is narrowed to the scope. */
export type ScopedWhere<E> = FindOptionsWhere<E> | FindOptionsWhere<E>[];

/**
 * A repository that can only see and touch rows of one scope: every read, update and
 * delete is ANDed with the scope's columns (which override anything the caller passes),
 * and every insert is stamped with them. Missing rows — including rows of another tenant
 * or user — surface as {@link NotFoundError}, indistinguishable from absent ones.
 */
export class ScopedRepository<E extends TenantOwned> {
  constructor(
    private readonly repository: Repository<E>,
    /** The scope's columns, e.g. `{ tenantId, userId }`. */
    readonly scope: Readonly<Partial<E>>,
    /** Name used in not-found messages, e.g. `Connection`. */
    readonly resource: string,
  ) {}

  private narrow(where: ScopedWhere<E> | undefined): ScopedWhere<E> {
    const one = (w: FindOptionsWhere<E>): FindOptionsWhere<E> => ({ ...w, ...this.scope }) as FindOptionsWhere<E>;
    if (where === undefined) return one({} as FindOptionsWhere<E>);
    return Array.isArray(where) ? where.map(one) : one(where);
  }

  /** Rows of the scope matching `options.where`. */
  find(options: FindManyOptions<E> = {}): Promise<E[]> {
    return this.repository.find({ ...options, where: this.narrow(options.where) });
  }

  /** One row of the scope, or null. */
  findOne(where: ScopedWhere<E>): Promise<E | null> {
    return this.repository.findOne({ where: this.narrow(where) });
  }

  /** One row of the scope; {@link NotFoundError} when there is none. */
  async get(where: ScopedWhere<E>): Promise<E> {
    const row = await this.findOne(where);
    if (!row) throw new NotFoundError(this.resource);
    return row;
  }

  /** Whether the scope holds a matching row. */
  exists(where: ScopedWhere<E>): Promise<boolean> {
    return this.repository.exists({ where: this.narrow(where) });
  }

  /** Number of matching rows of the scope. */
  count(where?: ScopedWhere<E>): Promise<number> {
    return this.repository.count({ where: this.narrow(where) });
  }

  /** Inserts rows stamped with the scope (scope columns in `values` are overwritten). */
  async insert(values: Partial<E> | Partial<E>[]): Promise<void> {
    const rows = (Array.isArray(values) ? values : [values]).map((v) => ({ ...v, ...this.scope }) as QueryDeepPartialEntity<E>);
    if (rows.length > 0) await this.repository.insert(rows);
  }

  /** Updates matching rows of the scope (scope columns cannot be changed); returns how many. */
  async update(where: FindOptionsWhere<E>, patch: Partial<E>): Promise<number> {
    const safe: Record<string, unknown> = { ...patch };
    for (const key of Object.keys(this.scope)) delete safe[key];
    const result = await this.repository.update(this.narrow(where) as FindOptionsWhere<E>, safe as QueryDeepPartialEntity<E>);
    return result.affected ?? 0;
  }

  /** Like {@link update}, but {@link NotFoundError} when nothing matched. */
  async updateOne(where: FindOptionsWhere<E>, patch: Partial<E>): Promise<void> {
    if ((await this.update(where, patch)) === 0) throw new NotFoundError(this.resource);
  }

  /** Deletes matching rows of the scope; returns how many. */
  async delete(where: FindOptionsWhere<E>): Promise<number> {
    const result = await this.repository.delete(this.narrow(where) as FindOptionsWhere<E>);
    return result.affected ?? 0;
  }

  /**
   * A query builder already restricted to the scope (`alias.tenant_id = … AND alias.user_id = …`);
   * add conditions with `andWhere`, never `where` (which would replace the scope).
   */
  queryBuilder(alias: string): SelectQueryBuilder<E> {
    const qb = this.repository.createQueryBuilder(alias);
    Object.entries(this.scope).forEach(([property, value], i) => {
      const param = `__scope_${i}`;
      if (i === 0) qb.where(`${alias}.${property} = :${param}`, { [param]: value });
      else qb.andWhere(`${alias}.${property} = :${param}`, { [param]: value });
    });
    return qb;
  }
}

/**
 * The one way services reach tenant- and user-owned tables: repositories bound to a
 * scope, so no query can forget the `tenant_id`/`user_id` condition.
 *
 * ```ts
 * const connections = this.data.forUser(Connection, scope);
 * const c = await connections.get({ id });          // NotFoundError if not the user's
 * await this.data.transaction(async (tx) => { await tx.forUser(Consent, scope).insert({...}); });
 * ```
 */
@Injectable()
export class ScopedData {
  constructor(protected readonly dataSource: DataSource) {}

  /** The entity manager queries go through (the transaction's, inside {@link transaction}). */
  protected entityManager(): EntityManager {
    return this.dataSource.manager;
  }

  /** The manager of this (transaction's) data, for writers that must join it (the webhook outbox, webhooks/tenant-events.ts). */
  get manager(): EntityManager {
    return this.entityManager();
  }

  /** Rows of one tenant (e.g. its users, its API keys). */
  forTenant<E extends TenantOwned>(entity: EntityTarget<E>, scope: TenantScope): ScopedRepository<E> {
    const repository = this.entityManager().getRepository(entity);
    return new ScopedRepository(repository, { tenantId: required(scope.tenantId, 'tenantId') } as Partial<E>, repository.metadata.name);
  }

  /** Rows of one user of one tenant (connections, accounts, transactions, sessions…). */
  forUser<E extends UserOwned>(entity: EntityTarget<E>, scope: UserScope): ScopedRepository<E> {
    const repository = this.entityManager().getRepository(entity);
    return new ScopedRepository(
      repository,
      { tenantId: required(scope.tenantId, 'tenantId'), userId: required(scope.userId, 'userId') } as Partial<E>,
      repository.metadata.name,
    );
  }

  /** Runs `work` in one database transaction; repositories from `tx` take part in it. */
  transaction<T>(work: (tx: ScopedData) => Promise<T>): Promise<T> {
    return runTransaction(this.dataSource, (manager) => work(new TransactionalScopedData(this.dataSource, manager)));
  }
}

class TransactionalScopedData extends ScopedData {
  constructor(
    dataSource: DataSource,
    private readonly txManager: EntityManager,
  ) {
    super(dataSource);
  }

  protected override entityManager(): EntityManager {
    return this.txManager;
  }

  override transaction<T>(work: (tx: ScopedData) => Promise<T>): Promise<T> {
    return work(this); // already inside one
  }
}

// A scope with an empty id would match nothing at best and be a bug at worst: fail loudly.
function required(value: string, name: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`scope.${name} is missing`);
  return value;
}
