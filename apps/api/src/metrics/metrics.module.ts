import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { SessionEnds } from './session-ends';

/** Prometheus metrics (prom-client; `GET /metrics`) and the report of ended sync sessions. */
@Global()
@Module({ controllers: [MetricsController], providers: [MetricsService, SessionEnds], exports: [MetricsService, SessionEnds] })
export class MetricsModule {}
