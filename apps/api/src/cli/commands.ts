import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../app';
import { ApiKeysService } from '../auth/api-keys.service';
import { type Settings, fingerprintKeyId } from '../config/settings';
import { createKinkoDataSource, runMigrations } from '../database/data-source';
import { isUuid } from '../database/ids';
import { DEV_KEY_FILE, type MasterKeyring, generateMasterKey, readKeyFile, resolveMasterKeyring, writeKeyFile } from '../secrets/master-keyring';
import { rewrapAllSecrets } from '../secrets/master-key-rotation';
import { TenantsService } from '../tenants/tenants.service';
import { withDatabaseUrl } from './database-for-cli';
import { generateMigration } from './generate-migration';

/** Where a command writes. */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
}

/** A command's exit code. */
export type ExitCode = 0 | 1 | 2;

/** The one-line help of each command. */
export const COMMAND_HELP: Record<string, string> = {
  serve: 'start the API (default; embedded PostgreSQL unless DATABASE_URL is set) and, unless KINKO_WORKER=false, a sync worker',
  worker: 'run a sync worker only (no HTTP): sync jobs, watchdog, background refresh scheduler',
  'create-tenant': 'create a tenant and its first API key: create-tenant --name <name>',
  'create-api-key': 'mint another API key for a tenant: create-api-key --tenant <tenant id> [--label <label>]',
  'list-api-keys': "list a tenant's API keys (id, prefix, label, created, last used, revoked): list-api-keys --tenant <tenant id>",
  'revoke-api-key': 'revoke an API key at once: revoke-api-key --tenant <tenant id> (--id <key id> | --prefix <key prefix>)',
  'rotate-master-key': 're-wrap every data key under the current master key [--new-key (development key file only)] [--batch-size N]',
  'generate-master-key': 'print a new random master key for KINKO_MASTER_KEY',
  migrate: 'apply pending database migrations',
  'generate-migration': 'generate a migration from the entities (from dist): generate-migration <PascalCaseName>',
};

async function withApp<T>(settings: Settings, work: (app: Awaited<ReturnType<typeof createApp>>) => Promise<T>): Promise<T> {
  return withDatabaseUrl(settings, async (databaseUrl) => {
    const app = await createApp({ settings: { settings }, databaseUrl, logger: ['error', 'warn'] });
    try {
      return await work(app);
    } finally {
      await app.close();
    }
  });
}

/** `create-tenant --name <name>`: prints the tenant id and its API key (shown once). */
export async function createTenantCommand(settings: Settings, args: string[], io: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({ args, options: { name: { type: 'string' } } });
  const name = values.name?.trim();
  if (!name) {
    io.err('usage: create-tenant --name <name>');
    return 2;
  }
  const boot = await withApp(settings, (app) => app.get(TenantsService).bootstrap(name));
  io.out(`tenant   ${boot.tenant.id} (${boot.tenant.name})`);
  io.out(`API key  ${boot.apiKey.apiKey}`);
  io.out('The key is shown only now: Kinko stores its hash, not the key.');
  return 0;
}

/** `create-api-key --tenant <id> [--label <label>]`. */
export async function createApiKeyCommand(settings: Settings, args: string[], io: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({ args, options: { tenant: { type: 'string' }, label: { type: 'string' } } });
  if (!values.tenant) {
    io.err('usage: create-api-key --tenant <tenant id> [--label <label>]');
    return 2;
  }
  const tenantId = values.tenant;
  const minted = await withApp(settings, async (app) => {
    await app.get(TenantsService).get(tenantId);
    return app.get(ApiKeysService).mint(tenantId, values.label ?? 'cli');
  });
  io.out(`API key  ${minted.apiKey}`);
  io.out('The key is shown only now: Kinko stores its hash, not the key.');
  return 0;
}

async function withApiKeys<T>(settings: Settings, work: (keys: ApiKeysService) => Promise<T>): Promise<T> {
  return withDatabaseUrl(settings, async (url) => {
    const dataSource = createKinkoDataSource(url, { applicationName: 'kinko-api-keys', quiet: true });
    await dataSource.initialize();
    try {
      return await work(new ApiKeysService(dataSource));
    } finally {
      await dataSource.destroy();
    }
  });
}

/** `list-api-keys --tenant <id>`: one line per key, oldest first; never a secret. */
export async function listApiKeysCommand(settings: Settings, args: string[], io: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({ args, options: { tenant: { type: 'string' } } });
  const tenantId = values.tenant;
  if (!tenantId || !isUuid(tenantId)) {
    io.err('usage: list-api-keys --tenant <tenant id>');
    return 2;
  }
  const keys = await withApiKeys(settings, (k) => k.list(tenantId));
  io.out('id                                    prefix            created                   last used                 revoked                   label');
  const at = (d: Date | null): string => (d ? d.toISOString() : '-').padEnd(25);
  for (const k of keys) io.out(`${k.id}  ${k.prefix}  ${at(k.createdAt)} ${at(k.lastUsedAt)} ${at(k.revokedAt)} ${k.label}`);
  return 0;
}

/** `revoke-api-key --tenant <id> (--id <key id> | --prefix <prefix>)`: the key stops working at once. */
export async function revokeApiKeyCommand(settings: Settings, args: string[], io: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({ args, options: { tenant: { type: 'string' }, id: { type: 'string' }, prefix: { type: 'string' } } });
  const tenantId = values.tenant;
  const ref = values.id !== undefined && isUuid(values.id) ? { id: values.id.toLowerCase() } : values.prefix !== undefined ? { prefix: values.prefix } : undefined;
  if (!tenantId || !isUuid(tenantId) || !ref || (values.id !== undefined && values.prefix !== undefined)) {
    io.err('usage: revoke-api-key --tenant <tenant id> (--id <key id> | --prefix <key prefix>)');
    return 2;
  }
  if (!(await withApiKeys(settings, (k) => k.revoke(tenantId, ref)))) {
    io.err('no such key of this tenant, or it is already revoked');
    return 1;
  }
  io.out('revoked: the key no longer authenticates any request');
  return 0;
}

/**
 * `rotate-master-key`: re-wraps every data key under the current master key (connection
 * secrets and waiting challenge payloads) while the API keeps running. With KINKO_MASTER_KEY: set the new key as KINKO_MASTER_KEY (+ _ID) and the
 * old one in KINKO_MASTER_KEYS_OLD, restart the API, run this, then drop the old key.
 * With the development key file: `--new-key` adds a new current key to the file first.
 */
export async function rotateMasterKeyCommand(settings: Settings, args: string[], io: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({ args, options: { 'new-key': { type: 'boolean' }, 'batch-size': { type: 'string' } } });
  const batchSize = values['batch-size'] === undefined ? 500 : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    io.err('--batch-size must be a whole number between 1 and 10000');
    return 2;
  }
  if (values['new-key']) {
    if (settings.masterKey) {
      io.err('--new-key only applies to the development key file. With KINKO_MASTER_KEY, configure the new key and list the old one in KINKO_MASTER_KEYS_OLD.');
      return 2;
    }
    const file = path.join(settings.dataDir, DEV_KEY_FILE);
    const old = fs.existsSync(file) ? readKeyFile(file) : undefined;
    const key = Buffer.from(generateMasterKey(), 'base64');
    const keys = [{ id: fingerprintKeyId(key), key }, ...(old ? old.ids.map((id) => old.get(id)).filter((k) => k !== undefined) : [])];
    writeKeyFile(file, keys);
    io.out(`new current master key ${keys[0]?.id} written to ${file} (older keys kept for reading)`);
  }
  const keyring: MasterKeyring = resolveMasterKeyring(settings, (m) => io.err(m));
  const report = await withDatabaseUrl(settings, async (url) => {
    const dataSource = createKinkoDataSource(url, { applicationName: 'kinko-rotate-master-key', quiet: true });
    await dataSource.initialize();
    try {
      return await rewrapAllSecrets(dataSource, keyring, { batchSize, actor: 'cli:rotate-master-key', onBatch: (n) => io.out(`  re-wrapped ${n}`) });
    } finally {
      await dataSource.destroy();
    }
  });
  io.out(`re-wrapped ${report.rewrapped} data key(s) under ${report.toKeyId} in ${report.batches} batch(es)`);
  const unknown = Object.entries(report.unknownKeys);
  if (report.failed > 0 || unknown.length > 0) {
    if (report.failed > 0) io.err(`${report.failed} record(s) could not be re-wrapped (altered data?)`);
    for (const [id, count] of unknown) io.err(`${count} record(s) are under master key "${id}", which is not configured: add it to KINKO_MASTER_KEYS_OLD and run again`);
    return 1;
  }
  io.out('Rotation complete: every secret is under the current key; older keys can now be removed from the configuration.');
  return 0;
}

/** `generate-master-key`. */
export function generateMasterKeyCommand(io: CommandIo): ExitCode {
  const key = generateMasterKey();
  io.out(`KINKO_MASTER_KEY=${key}`);
  io.out(`KINKO_MASTER_KEY_ID=${fingerprintKeyId(Buffer.from(key, 'base64'))}`);
  return 0;
}

/** `migrate`. */
export async function migrateCommand(settings: Settings, io: CommandIo): Promise<ExitCode> {
  const applied = await withDatabaseUrl(settings, async (url) => {
    const dataSource = createKinkoDataSource(url, { applicationName: 'kinko-migrate', quiet: true });
    await dataSource.initialize();
    try {
      return await runMigrations(dataSource);
    } finally {
      await dataSource.destroy();
    }
  });
  io.out(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'the database is up to date');
  return 0;
}

/** `generate-migration <Name>`. */
export async function generateMigrationCommand(args: string[], io: CommandIo): Promise<ExitCode> {
  const name = args[0];
  if (!name) {
    io.err('usage: generate-migration <PascalCaseName>');
    return 2;
  }
  const created = await generateMigration(name, (l) => io.out(l));
  io.out(created ? `created src/database/migrations/${created} and updated migrations/index.ts` : 'no changes: the migrations match the entities');
  return 0;
}
