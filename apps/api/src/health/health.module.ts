import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';

/** `GET /health`. */
@Module({ controllers: [HealthController] })
export class HealthModule {}
