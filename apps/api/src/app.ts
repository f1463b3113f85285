import fastifyRateLimit from '@fastify/rate-limit';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LogLevel } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock, Connector } from '@kinko/connector-sdk';
import { AppModule } from './app.module';
import type { SettingsSource } from './config/config.module';
import type { BankEntry } from './config/settings';
import type { SyncSettings } from './sync/sync-options';
import type { WebhookSettings } from './webhooks/webhook-settings';
import { edgeServerOptions, installEdgeGuards } from './http/edge';
import { DEFAULT_BODY_LIMIT_BYTES } from './http/limits';
import { createOpenApiDocument, serveOpenApi } from './http/openapi';
import { installRequestIds, requestIdServerOptions } from './http/request-id';
import { kinkoValidationPipe } from './http/validation';
import { MetricsService } from './metrics/metrics.service';
import { PinoNestLogger, createLogger, nestLevelsUpTo } from './logging/logger';

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  readonly settings: SettingsSource;
  readonly databaseUrl: string;
  /** Nest log levels; `false` silences Nest (tests). Default: from the settings. */
  readonly logger?: false | LogLevel[];
  /** Request body limit in bytes (default from the settings, else 16 KiB). */
  readonly bodyLimitBytes?: number;
  /** Bare connectors to register (tests): banks of their own id, without config. */
  readonly connectors?: readonly Connector[];
  /** Bank entries besides the settings' `KINKO_BANKS` (the development sandbox banks, tests). */
  readonly banks?: readonly BankEntry[];
  /** The app's clock (tests move it); default the system clock. */
  readonly clock?: Clock;
  /** Sync engine tuning (tests). */
  readonly syncSettings?: Partial<SyncSettings>;
  /** Webhook tuning and URL policy (tests). */
  readonly webhookSettings?: Partial<WebhookSettings>;
  /** Connections of the app's database pool (tests); default the data source's. */
  readonly databasePoolSize?: number;
}

/** A route as Fastify registered it (what actually answers requests). */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
}

const registeredRoutes = new WeakMap<object, RegisteredRoute[]>();

/** Every route Fastify registered for `app` (Nest controllers, docs, static assets…). */
export function routesOf(app: NestFastifyApplication): readonly RegisteredRoute[] {
  return registeredRoutes.get(app) ?? [];
}

/** The HSTS policy of a secure answer: a year, subdomains included (what Nest's security headers send by default). */
const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains';

/**
 * Builds and initialises the HTTP application (not yet listening): Fastify with a body
 * limit, the global validation pipe and problem+json filter (registered in AppModule),
 * security headers, request metrics, the OpenAPI document and its reference page.
 */
export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const settingsLevel = 'settings' in options.settings ? options.settings.settings.logLevel : 'log';
  const mode = 'settings' in options.settings ? options.settings.settings.mode : 'test';
  // JSON lines through pino (pretty on a terminal in development); Nest's own loggers write there too.
  const logger = new PinoNestLogger(createLogger({ levels: options.logger ?? nestLevelsUpTo(settingsLevel), mode }));
  const bodyLimit = options.bodyLimitBytes ?? ('settings' in options.settings ? options.settings.settings.bodyLimitBytes : DEFAULT_BODY_LIMIT_BYTES);

  // No Nest middleware is used (hooks, guards and pipes do that work), so @fastify/middie is
  // not registered: it would otherwise run on every request for nothing.
  // Errors raised before routing (bad URL, over-long parameter, oversized headers) answer problems too.
  const adapter: FastifyAdapter = new FastifyAdapter({
    bodyLimit,
    trustProxy: false,
    return503OnClosing: true,
    skipMiddie: true,
    // X-Request-Id: the caller's when well-formed, else a new one; on every answer and problem.
    ...requestIdServerOptions(),
    // The adapter's own handler sets the security headers; it is kept.
    ...edgeServerOptions(() => (adapter as unknown as { securityHook?: (request: FastifyRequest, raw: FastifyReply['raw']) => void }).securityHook),
  });
  installRequestIds(adapter.getInstance());
  // Strict-Transport-Security only on an answer over a secure transport: a host must not send it
  // over plain HTTP (RFC 6797 §7.2) — e.g. `pnpm start` on http://127.0.0.1. Fastify's
  // request.protocol is `https` for a TLS socket, or (were proxies trusted; trustProxy is off)
  // a trusted proxy's X-Forwarded-Proto; an untrusted client's header is ignored.
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    if (request.protocol === 'https') reply.raw.setHeader('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
    done();
  });
  const routes: RegisteredRoute[] = [];
  adapter.getInstance().addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) routes.push({ method, url: route.url });
  });

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({
      settings: options.settings,
      databaseUrl: options.databaseUrl,
      ...(options.connectors ? { connectors: options.connectors } : {}),
      ...(options.banks ? { banks: options.banks } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.syncSettings ? { syncSettings: options.syncSettings } : {}),
      ...(options.webhookSettings ? { webhookSettings: options.webhookSettings } : {}),
      ...(options.databasePoolSize !== undefined ? { databasePoolSize: options.databasePoolSize } : {}),
    }),
    adapter,
    { logger, abortOnError: false },
  );
  registeredRoutes.set(app, routes);

  // Rate limits: counted by the auth guard (it alone knows the caller), no global hook (RateLimits).
  await app.register(fastifyRateLimit, { global: false });
  installEdgeGuards(app, bodyLimit);
  app.useGlobalPipes(kinkoValidationPipe());
  app.useSecurityHeaders({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    // Sent per request, only over a secure transport (above).
    strictTransportSecurity: false,
  });

  const metrics = app.get(MetricsService);
  const requestLog = logger.pino.child({ context: 'HTTP' });
  adapter.getInstance().addHook('onResponse', (request, reply, done) => {
    // The route's template, never the URL (it may carry ids, or a token in its query).
    const route = request.routeOptions.url ?? '(unmatched)';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    // One line per request: no header, query or body is logged.
    requestLog.info(
      { requestId: request.id, method: request.method, route, status: reply.statusCode, durationMs: Math.round(reply.elapsedTime), tenantId: request.kinkoPrincipal?.tenantId ?? null },
      'request',
    );
    done();
  });

  serveOpenApi(app, createOpenApiDocument(app));
  await app.init();
  await adapter.getInstance().ready();
  return app;
}
