import * as path from 'node:path';
import { type LogLevel, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import type { Settings } from '../config/settings';
import { EmbeddedDatabase } from '../database/embedded-postgres';
import { ChallengeSweeper } from '../challenges/challenge-sweeper';
import { SyncWorker } from '../sync/sync-worker';
import { WebhookWorker } from '../webhooks/webhook-worker';

/** A running worker-only process: sync jobs, watchdog, scheduler; no HTTP. */
export interface RunningWorker {
  stop(): Promise<void>;
}

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

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
    const context = await NestFactory.createApplicationContext(AppModule.forRoot({ settings: { settings }, databaseUrl }), {
      logger: LEVELS.slice(0, LEVELS.indexOf(settings.logLevel) + 1),
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
    return { stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** `worker`: runs a worker until SIGINT/SIGTERM, then stops it (sessions in flight get a moment to end) and exits 0. */
export async function workerCommand(settings: Settings, out: (line: string) => void): Promise<0 | 1> {
  const running = await startWorker(settings);
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
