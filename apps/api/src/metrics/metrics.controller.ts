import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Redacted } from 'effect';
import { PublicRoute } from '../auth/auth.decorators';
import { NotFoundError, UnauthorizedError } from '../common/errors';
import { InjectSettings } from '../config/config.module';
import type { Settings } from '../config/settings';
import { ApiProblems } from '../http/problem-docs';
import { MetricsService } from './metrics.service';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Whether `authorization` may read the metrics on the API port: outside production always;
 * in production only with `Authorization: Bearer <KINKO_METRICS_TOKEN>` — 'missing' when
 * no token is configured (the metrics are then served on KINKO_METRICS_PORT only).
 */
export function metricsAccess(settings: Pick<Settings, 'mode' | 'metricsToken'>, authorization: string | undefined): 'allowed' | 'denied' | 'missing' {
  if (settings.mode !== 'production') return 'allowed';
  if (settings.metricsToken === undefined) return 'missing';
  const given = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(Redacted.value(settings.metricsToken))) ? 'allowed' : 'denied';
}

/**
 * `GET /metrics` in the Prometheus text format. Holds no tenant data. In production it needs
 * the metrics token (401 without it; 404 when none is configured).
 */
@ApiTags('operations')
@PublicRoute()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @InjectSettings() private readonly settings: Settings,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics (in production: Authorization: Bearer <KINKO_METRICS_TOKEN>)' })
  @ApiOkResponse({ description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiProblems('unauthorized', 'not-found')
  async render(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const access = metricsAccess(this.settings, authorization);
    if (access === 'missing') throw new NotFoundError('Metrics');
    if (access === 'denied') throw new UnauthorizedError('The metrics need Authorization: Bearer <KINKO_METRICS_TOKEN>.');
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.render();
  }
}
