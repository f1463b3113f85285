import { Global, Module } from '@nestjs/common';
import { AuditLog } from './audit-log.service';

/** The audit trail, available everywhere. */
@Global()
@Module({ providers: [AuditLog], exports: [AuditLog] })
export class AuditModule {}
