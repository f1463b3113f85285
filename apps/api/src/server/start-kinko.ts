import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../app';
import type { Settings } from '../config/settings';
import { EmbeddedDatabase } from '../database/embedded-postgres';
import { type DemoInfo, ensureDemo } from '../demo/demo';
import { OPENAPI_PATHS } from '../http/openapi';
import { sessionPoolSize } from '../sync/sync-options';
import { SyncWorker } from '../sync/sync-worker';
import { WebhookWorker } from '../webhooks/webhook-worker';
import { webhookSettingsOf } from '../webhooks/webhook-settings';
import { ChallengeSweeper } from '../challenges/challenge-sweeper';
import { LINK_PATHS } from '../link/link-paths';
import { MetricsService } from '../metrics/metrics.service';
import { databaseAnswers, startOpsServer } from '../metrics/ops-server';
import { DataSource } from 'typeorm';
import { type DevelopmentBanksProvider, type RunningSandbox, SANDBOX_BERLIN_GROUP_BANK_ID, SANDBOX_GMO_AOZORA_BANK_ID, SANDBOX_UK_OPEN_BANKING_BANK_ID, polishRedirectUris, sandboxBankEntries, sandboxBankId, sandboxNetbankId, sandboxPolishBankId } from './sandbox-banks';

/** The demo user's way in: the Link pages (choose a sandbox bank, log in there or enter credentials). */
export interface DemoConnect {
  readonly bankId: string;
  readonly bankName: string;
  /** The Link entry URL with a single-use user token (exchanged for a session cookie on first visit). */
  readonly url: string;
  readonly expiresAt: Date;
  readonly login: { readonly id: string; readonly password: string } | undefined;
}

/** The Link entry URL for the demo user (undefined when the sandbox has no bank to connect). */
function startDemoConnect(demo: DemoInfo, sandbox: RunningSandbox, url: string): DemoConnect | undefined {
  const bank = sandbox.banks.find((b) => b.client !== undefined);
  if (!bank) return undefined;
  return {
    bankId: sandboxBankId(bank.bankCode),
    bankName: bank.bankName,
    url: `${url}${LINK_PATHS.connect}?token=${encodeURIComponent(demo.linkToken)}`,
    expiresAt: demo.userTokenExpiresAt,
    login: sandbox.demoLogin,
  };
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
  /** The separate metrics listener's URL (KINKO_METRICS_PORT), if any. */
  readonly metricsUrl: string | undefined;
  /** Stops everything, in order: HTTP server and app (pool), sandbox banks, embedded PostgreSQL. */
  stop(): Promise<void>;
}

/** What a launcher plugs into {@link startKinko}. */
export interface KinkoHooks {
  /**
   * Starts the development banks when KINKO_SANDBOX is on: given by the development launcher
   * (tools/dev-server, which the root `pnpm start` runs). The app itself never loads the sandbox.
   */
  readonly developmentBanks?: DevelopmentBanksProvider;
  /**
   * `KINKO_WEBHOOKS` settings this launcher has by default, under the operator's own
   * `KINKO_WEBHOOKS` (whose values win): the development launcher allows webhook endpoints on
   * loopback and private networks (a receiver on this machine, beside the sandbox banks). The
   * app itself has none: in production such endpoints stay refused unless the operator allows them.
   */
  readonly webhookDefaults?: Readonly<Record<string, number>>;
}

/** The settings as this launcher runs them: its {@link KinkoHooks.webhookDefaults} under the operator's KINKO_WEBHOOKS. */
export function withLauncherDefaults(settings: Settings, hooks: KinkoHooks): Settings {
  return hooks.webhookDefaults === undefined ? settings : { ...settings, webhooks: { ...hooks.webhookDefaults, ...settings.webhooks } };
}

/**
 * Starts Kinko: the database (DATABASE_URL, or the embedded PostgreSQL in
 * KINKO_DATA_DIR/pg — started, or attached to when already running), migrations, the HTTP
 * API, the sandbox banks (through `hooks.developmentBanks`) and the demo tenant when
 * configured. On failure, whatever was started is stopped again.
 */
export async function startKinko(settings: Settings, hooks: KinkoHooks = {}): Promise<RunningKinko> {
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

    const sandbox = settings.sandbox ? await startDevelopmentBanks(settings, hooks, (m) => logger.warn(m)) : undefined;
    if (sandbox) stops.push(() => sandbox.close());

    // Development: the sandbox's banks join the configured ones (KINKO_BANKS).
    const app = await createApp({
      settings: { settings },
      databaseUrl,
      // With its sync worker, a connection per session it runs at once.
      ...(settings.worker ? { databasePoolSize: sessionPoolSize(settings.sync) } : {}),
      ...(sandbox ? { banks: sandboxBankEntries(sandbox) } : {}),
    });
    stops.push(() => app.close());
    if (settings.worker) {
      // API and sync worker in one process by default; `worker` runs more of them alone.
      const worker = app.get(SyncWorker);
      await worker.start();
      stops.push(() => worker.stop());
      const webhooks = app.get(WebhookWorker);
      await webhooks.start();
      stops.push(() => webhooks.stop());
    }
    // Unanswered challenges time out (KINKO_CHALLENGE_TIMEOUT_SECONDS) wherever the API runs.
    const sweeper = app.get(ChallengeSweeper);
    sweeper.start();
    stops.push(() => sweeper.stop());
    await app.listen(settings.port, settings.host);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : settings.port;
    const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
    const localHost = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
    const url = settings.publicUrl ?? `http://${localHost}:${port}`;
    let metricsUrl: string | undefined;
    if (settings.metricsPort !== undefined) {
      // Metrics (and health) on their own port, without a token: for the monitoring network only.
      const dataSource = app.get(DataSource);
      const ops = await startOpsServer({ host: settings.host, port: settings.metricsPort, metrics: app.get(MetricsService), healthy: () => databaseAnswers(dataSource) });
      stops.push(() => ops.close());
      metricsUrl = `http://${localHost}:${ops.port}/metrics`;
    }

    const demo = settings.demo ? await ensureDemo(app, settings) : undefined;
    const demoConnect = demo && sandbox ? startDemoConnect(demo, sandbox, url) : undefined;
    return { app, url, database, demo, demoConnect, sandbox, metricsUrl, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** The development banks of the launcher, if it gave a provider; a warning otherwise. */
async function startDevelopmentBanks(settings: Settings, hooks: KinkoHooks, warn: (message: string) => void): Promise<RunningSandbox | undefined> {
  if (!hooks.developmentBanks) {
    warn('sandbox banks not started: this process has no development banks (the development launcher tools/dev-server, run by `pnpm start` at the repository root, starts them)');
    return undefined;
  }
  try {
    return await hooks.developmentBanks({ host: settings.host, callbackUris: polishRedirectUris(settings.publicUrl), warn });
  } catch (e) {
    warn(`sandbox banks not started: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/** Where the metrics are served (production: behind the token, or only on the metrics port). */
function metricsWhere(kinko: RunningKinko, settings: Settings): string {
  const onApi = settings.mode !== 'production' ? `${kinko.url}/metrics` : settings.metricsToken !== undefined ? `${kinko.url}/metrics (Authorization: Bearer <KINKO_METRICS_TOKEN>)` : undefined;
  const where = [onApi, kinko.metricsUrl].filter((w): w is string => w !== undefined);
  return where.length > 0 ? where.join(', ') : 'not served (production: set KINKO_METRICS_TOKEN or KINKO_METRICS_PORT)';
}

/** The lines printed once Kinko is up (no secret but the development demo key). */
export function startBanner(kinko: RunningKinko, settings: Settings): string[] {
  const lines = [
    `Kinko is running (${settings.mode})`,
    `  API            ${kinko.url}`,
    `  API reference  ${kinko.url}${OPENAPI_PATHS.docs}   (OpenAPI document: ${kinko.url}${OPENAPI_PATHS.json})`,
    `  Health         ${kinko.url}/health   Metrics: ${metricsWhere(kinko, settings)}`,
    `  Database       ${kinko.database.description}`,
  ];
  if (webhookSettingsOf(settings.webhooks ?? {}, settings.mode === 'production').allowPrivateNetworks) {
    lines.push(`  Webhooks       endpoints on loopback and private networks allowed (KINKO_WEBHOOKS='{"allowPrivateNetworks":0}' refuses them)`);
  }
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
        `                 (open it in a browser: the Link pages of the demo user. Choose a sandbox bank — ${connect.bankName}${
          connect.login ? `: log in at its page as ${connect.login.id} / ${connect.login.password}, as at the other 銀行共通API banks` : ''
        }; or another sandbox bank below as one of its personas. Single use, valid until ${connect.expiresAt.toISOString()}. ` +
          `Another one: mint a user token (above) and open ${kinko.url}${LINK_PATHS.connect}?token=<user token>)`,
      );
    } else {
      lines.push(`  Connect        curl -X POST -H "Authorization: Bearer <user token>" ${kinko.url}/api/v2/connect/<bankId>  (banks: GET ${kinko.url}/api/v2/banks)`);
    }
  }
  for (const [i, bank] of (kinko.sandbox?.banks ?? []).entries()) {
    lines.push(`  Sandbox bank   ${bank.bankCode} ${bank.bankName} (銀行共通API, bankId ${sandboxBankId(bank.bankCode)})  ${bank.url}`);
    // The 銀行共通API personas live at the first bank (log in at its page as one of them).
    if (i === 0) for (const p of kinko.sandbox?.personas ?? []) lines.push(`                 ${p.id} / ${p.password}: ${p.summary}`);
  }
  const netbank = kinko.sandbox?.netbank;
  if (netbank) {
    lines.push(`  Sandbox bank   ${netbank.bankCode} ${netbank.bankName} (net bank, login details, bankId ${sandboxNetbankId(netbank.bankCode)})  ${netbank.url}`);
    for (const p of netbank.personas.filter((x) => ['happy', 'otp', 'captcha', 'security', 'puzzle'].includes(x.id))) {
      lines.push(`                 ${p.id} / ${p.password}: ${p.summary}${p.id === 'otp' && p.otpCode ? ` (OTP ${p.otpCode})` : ''}`);
    }
  }
  const polish = kinko.sandbox?.polish;
  if (polish) {
    lines.push(
      `  Sandbox bank   ${polish.bankCode} ${polish.bankName} (PolishAPI 2.1.2, bankId ${sandboxPolishBankId(polish.bankCode)})  ${polish.url}`,
      `                 (log in at its page as a persona below, SCA code ${polish.personas[0]?.scaCode ?? '123456'}, and approve)`,
    );
    for (const p of polish.personas) lines.push(`                 ${p.login} / ${p.password}: ${p.summary}`);
  }
  const berlinGroup = kinko.sandbox?.berlinGroup;
  if (berlinGroup) {
    lines.push(
      `  Sandbox bank   ${berlinGroup.bankName} (Berlin Group NextGenPSD2 1.3.12, bankId ${SANDBOX_BERLIN_GROUP_BANK_ID})  ${berlinGroup.url}`,
      `                 (log in at its SCA page as a persona below and authorise)`,
    );
    for (const p of berlinGroup.personas) lines.push(`                 ${p.login} / ${p.password}: ${p.summary}`);
  }
  const gmoAozora = kinko.sandbox?.gmoAozora;
  if (gmoAozora) {
    lines.push(
      `  Sandbox bank   ${gmoAozora.bankName} (personal Open API, OAuth 2.0 + PKCE, bankId ${SANDBOX_GMO_AOZORA_BANK_ID})  ${gmoAozora.url}`,
      `                 (log in at its page as a persona below)`,
    );
    for (const p of gmoAozora.personas) lines.push(`                 ${p.login} / ${p.password}: ${p.summary}`);
  }
  const ukOpenBanking = kinko.sandbox?.ukOpenBanking;
  if (ukOpenBanking) {
    lines.push(
      `  Sandbox bank   ${ukOpenBanking.bankName} (UK Open Banking 4.0 AIS, consent + OIDC/PKCE, bankId ${SANDBOX_UK_OPEN_BANKING_BANK_ID})  ${ukOpenBanking.url}`,
      `                 (authorise the consent at its page as a persona below)`,
    );
    for (const p of ukOpenBanking.personas) lines.push(`                 ${p.login} / ${p.password}: ${p.summary}`);
  }
  lines.push('Press Ctrl-C to stop.');
  return lines;
}
