import { Module } from '@nestjs/common';
import { ChallengesModule } from '../challenges/challenges.module';
import { ConsentsModule } from '../consents/consents.module';
import { UsersModule } from '../users/users.module';
import { ConnectController } from './connect.controller';
import { ConnectService } from './connect.service';
import { TenantUserConnectionsController, UserConnectionsController } from './connections.controller';
import { ConnectionsService } from './connections.service';

/** Connections (bank registrations): the connect flow, their aggregation status, and the user's moves on them. */
@Module({
  imports: [UsersModule, ConsentsModule, ChallengesModule],
  controllers: [UserConnectionsController, TenantUserConnectionsController, ConnectController],
  providers: [ConnectionsService, ConnectService],
  exports: [ConnectionsService],
})
export class ConnectionsModule {}
