import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { TenantUserConnectionsController, UserConnectionsController } from './connections.controller';
import { ConnectionsService } from './connections.service';

/** Connections (bank registrations) and their aggregation status; consents live beside them. */
@Module({
  imports: [UsersModule],
  controllers: [UserConnectionsController, TenantUserConnectionsController],
  providers: [ConnectionsService],
  exports: [ConnectionsService],
})
export class ConnectionsModule {}
