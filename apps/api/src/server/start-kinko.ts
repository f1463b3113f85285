import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../app';
import type { Settings } from '../config/settings';
import { EmbeddedDatabase } from '../database/embedded-postgres';
import { type DemoInfo, ensureDemo } from '../demo/demo';
import { OPENAPI_PATHS } from '../http/openapi';
import { SyncWorker } from '../sync/sync-worker';
import { ConnectService } from '../connections/connect.service';
import { type RunningSandbox, sandboxBankEntries, sandboxBankId, startSandboxBanks } from './sandbox-banks';

/** A redirect flow started for the demo user: open `url` in a browser to connect the sandbox bank. */
export interface DemoConnect {
  readonly bankId: string;
  readonly bankName: string;
  /** The sandbox bank's login page, bound to a link session of the demo user. */
  readonly url: string;
  readonly expiresAt: Date;
  readonly login: { readonly id: string; readonly password: string } | undefined;
}

/** Starts a connect flow for the demo user at the first sandbox bank (undefined, with a warning, when it cannot). */
async function startDemoConnect(app: NestFastifyApplication, demo: DemoInfo, sandbox: RunningSandbox, url: string, warn: (m: string) => void): Promise<DemoConnect | undefined> {
  const bank = sandbox.banks.find((b) => b.client !== undefined);
  if (!bank) return undefined;
  const bankId = sandboxBankId(bank.bankCode);
  try {
    const started = await app.get(ConnectService).begin({ tenantId: demo.tenantId, userId: demo.userId }, bankId, { origin: url });
    return { bankId, bankName: bank.bankName, url: started.redirectUrl, expiresAt: started.expiresAt, login: sandbox.demoLogin };
  } catch (e) {
    warn(`no demo connect URL: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/** A running Kinko: HTTP API, its database, and (development) the sandbox banks. */
export interface RunningKinko {
  readonly app: NestFastifyApplication;
  /** Base URL of the API. */
  readonly url: string;
  /** Where the database is: DATABASE_URL (host only) or the embedded cluster. */
  readonly database: { readonly embedded: boolean; readonly description: string };
  readonly demo: DemoInfo | undefined;
  /** A connect flow started for the demo user at the first sandbox bank (development). */
  readonly demoConnect: DemoConnect | undefined;
  readonly sandbox: RunningSandbox | undefined;
  /** Stops everything, in order: HTTP server and app (pool), sandbox banks, embedded PostgreSQL. */
  stop(): Promise<void>;
}

/**
 * Starts Kinko: the database (DATABASE_URL, or the embedded PostgreSQL in
 * KINKO_DATA_DIR/pg — started, or attached to when already running), migrations, the HTTP
 * API, the sandbox banks and the demo tenant when configured. On failure, whatever was
 * started is stopped again.
 */
export async function startKinko(settings: Settings): Promise<RunningKinko> {
  const logger = new Logger('Kinko');
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (e) {
        logger.error(`while stopping: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };

  try {
    let databaseUrl = settings.databaseUrl;
    let database: RunningKinko['database'];
    if (databaseUrl) {
      database = { embedded: false, description: `DATABASE_URL (${new URL(databaseUrl).host})` };
    } else {
      const embedded = await EmbeddedDatabase.start({ dataDir: path.join(settings.dataDir, 'pg') });
      stops.push(() => embedded.stop());
      databaseUrl = embedded.url;
      database = {
        embedded: true,
        description: `embedded PostgreSQL, data in ${path.join(settings.dataDir, 'pg')} (127.0.0.1:${embedded.port}${embedded.owned ? '' : ', already running'})`,
      };
    }

    const sandbox = settings.sandbox ? await startSandboxBanks(settings.host, (m) => logger.warn(m)) : undefined;
    if (sandbox) stops.push(() => sandbox.close());

    // Development: the sandbox's banks join the configured ones (KINKO_BANKS).
    const app = await createApp({ settings: { settings }, databaseUrl, ...(sandbox ? { banks: sandboxBankEntries(sandbox) } : {}) });
    stops.push(() => app.close());
    if (settings.worker) {
      // API and sync worker in one process by default; `worker` runs more of them alone.
      const worker = app.get(SyncWorker);
      await worker.start();
      stops.push(() => worker.stop());
    }
    await app.listen(settings.port, settings.host);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : settings.port;
    const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
    const url = settings.publicUrl ?? `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;

    const demo = settings.demo ? await ensureDemo(app, settings) : undefined;
    const demoConnect = demo && sandbox ? await startDemoConnect(app, demo, sandbox, url, (m) => logger.warn(m)) : undefined;
    return { app, url, database, demo, demoConnect, sandbox, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** The lines printed once Kinko is up (no secret but the development demo key). */
export function startBanner(kinko: RunningKinko, settings: Settings): string[] {
  const lines = [
    `Kinko is running (${settings.mode})`,
    `  API            ${kinko.url}`,
    `  API reference  ${kinko.url}${OPENAPI_PATHS.docs}   (OpenAPI document: ${kinko.url}${OPENAPI_PATHS.json})`,
    `  Health         ${kinko.url}/health   Metrics: ${kinko.url}/metrics`,
    `  Database       ${kinko.database.description}`,
  ];
  const demo = kinko.demo;
  if (demo) {
    lines.push(
      `  Demo tenant    ${demo.tenantId}${demo.created ? ' (created now)' : ''}`,
      `  Demo API key   ${demo.apiKey}`,
      `                 (kept in ${demo.file}, mode 0600; delete the file to get a new key on the next start)`,
      `  Demo user      ${demo.userExternalId} (${demo.userId})`,
      `  User token     ${demo.userToken}`,
      `                 (valid until ${demo.userTokenExpiresAt.toISOString()}; mint another: curl -X POST -H "Authorization: Bearer <demo API key>" ${kinko.url}/api/v2/tenant/users/${demo.userId}/tokens)`,
    );
    const connect = kinko.demoConnect;
    if (connect) {
      lines.push(
        `  Connect URL    ${connect.url}`,
        `                 (open it in a browser: the ${connect.bankName} sandbox login${connect.login ? `, log in as ${connect.login.id} / ${connect.login.password}` : ''}; ` +
          `back at Kinko the bank is connected and synced. Single use, valid until ${connect.expiresAt.toISOString()}. Another one: ` +
          `curl -X POST -H "Authorization: Bearer <user token>" ${kinko.url}/api/v2/connect/${connect.bankId})`,
      );
    } else {
      lines.push(`  Connect        curl -X POST -H "Authorization: Bearer <user token>" ${kinko.url}/api/v2/connect/<bankId>  (banks: GET ${kinko.url}/api/v2/banks)`);
    }
  }
  for (const bank of kinko.sandbox?.banks ?? []) lines.push(`  Sandbox bank   ${bank.bankCode} ${bank.bankName}  ${bank.url}`);
  lines.push('Press Ctrl-C to stop.');
  return lines;
}
