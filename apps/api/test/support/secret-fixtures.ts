import type { DataSource } from 'typeorm';
import { AuditLog } from '../../src/audit/audit-log.service';
import { Connection } from '../../src/connections/connection.entity';
import { newId } from '../../src/database/ids';
import { ScopedData, type UserScope } from '../../src/database/scoped-data';
import type { MasterKeyring } from '../../src/secrets/master-keyring';
import { SecretsService } from '../../src/secrets/secrets.service';
import { Tenant } from '../../src/tenants/tenant.entity';
import { User } from '../../src/users/user.entity';

/** A tenant with one user, inserted directly. */
export async function insertUser(ds: DataSource, tenantId: string = newId()): Promise<UserScope> {
  if (!(await ds.getRepository(Tenant).existsBy({ id: tenantId }))) await ds.getRepository(Tenant).insert({ id: tenantId, name: `tenant ${tenantId}` });
  const userId = newId();
  await ds.getRepository(User).insert({ id: userId, tenantId, externalId: `user-${userId}` });
  return { tenantId, userId };
}

/** A connection of a user, inserted directly; returns its id. */
export async function insertConnection(ds: DataSource, scope: UserScope): Promise<string> {
  const id = newId();
  await new ScopedData(ds).forUser(Connection, scope).insert({ id, connectorId: 'bank-common-api', bankId: 'bank-common-api', aggregationStatus: 'success', aggregationStatusChangedAt: new Date() });
  return id;
}

/** A SecretsService on `ds` with the given keyring (outside Nest, to vary the keyring). */
export const secretsService = (ds: DataSource, keyring: MasterKeyring): SecretsService => new SecretsService(new ScopedData(ds), keyring, new AuditLog(ds));

/** Every row of every table as text, like `pg_dump | grep` would see it (bytea as hex). */
export async function dumpAsText(ds: DataSource): Promise<string> {
  const tables: { table_name: string }[] = await ds.query("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'");
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows: { t: string }[] = await ds.query(`select t::text as t from "${table_name}" t`);
    parts.push(...rows.map((r) => r.t));
  }
  return parts.join('\n');
}
