import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import type { Settings } from '../config/settings';
import { EmbeddedDatabase } from '../database/embedded-postgres';
import { ChallengeSweeper } from '../challenges/challenge-sweeper';
import { sessionPoolSize } from '../sync/sync-options';
import { SyncWorker } from '../sync/sync-worker';
import { WebhookWorker } from '../webhooks/webhook-worker';
import { PinoNestLogger, createLogger, nestLevelsUpTo } from '../logging/logger';
import { MetricsService } from '../metrics/metrics.service';
import { databaseAnswers, startOpsServer } from '../metrics/ops-server';

/** A running worker-only process: sync jobs, watchdog, scheduler; no HTTP. */
export interface RunningWorker {
  /** `http://host:port` of its health and metrics listener (KINKO_WORKER_HTTP_PORT), if any. */
  readonly opsUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts a sync worker without the HTTP API: the app's modules as an application context
 * (same database, banks and settings as `serve`), then {@link SyncWorker.start}. Any number
 * of these can run beside the API processes: they share the queue and the bank limits.
 */
export async function startWorker(settings: Settings): Promise<RunningWorker> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((e: unknown) => new Logger('Worker').error(e instanceof Error ? e.message : String(e)));
  };
  try {
    let databaseUrl = settings.databaseUrl;
    if (!databaseUrl) {
      const embedded = await EmbeddedDatabase.start({ dataDir: path.join(settings.dataDir, 'pg') });
      stops.push(() => embedded.stop());
      databaseUrl = embedded.url;
    }
    const context = await NestFactory.createApplicationContext(AppModule.forRoot({ settings: { settings }, databaseUrl, databasePoolSize: sessionPoolSize(settings.sync) }), {
      logger: new PinoNestLogger(createLogger({ levels: nestLevelsUpTo(settings.logLevel), mode: settings.mode })),
      abortOnError: false,
    });
    stops.push(() => context.close());
    const worker = context.get(SyncWorker);
    await worker.start();
    stops.push(() => worker.stop());
    const webhooks = context.get(WebhookWorker);
    await webhooks.start();
    stops.push(() => webhooks.stop());
    const sweeper = context.get(ChallengeSweeper);
    sweeper.start();
    stops.push(() => sweeper.stop());
    let opsUrl: string | undefined;
    if (settings.workerHttpPort !== undefined) {
      // Health (the database answers and the worker takes jobs) and metrics, for the orchestrator and the monitoring.
      const dataSource = context.get(DataSource);
      const ops = await startOpsServer({
        host: settings.host,
        port: settings.workerHttpPort,
        metrics: context.get(MetricsService),
        healthy: async () => worker.started && (await databaseAnswers(dataSource)),
      });
      stops.push(() => ops.close());
      opsUrl = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${ops.port}`;
    }
    return { opsUrl, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** `worker`: runs a worker until SIGINT/SIGTERM, then stops it (sessions in flight get a moment to end) and exits 0. */
export async function workerCommand(settings: Settings, out: (line: string) => void): Promise<0 | 1> {
  const running = await startWorker(settings);
  if (running.opsUrl) out(`  Health         ${running.opsUrl}/health   Metrics: ${running.opsUrl}/metrics`);
  out('Kinko worker is running. Press Ctrl-C to stop.');
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      out(`${signal}: stopping…`);
      running.stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
