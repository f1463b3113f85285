import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimits } from '../http/rate-limits';
import { ApiKeysService } from './api-keys.service';
import { AuthGuard } from './auth.guard';
import { UserTokensService } from './user-tokens.service';

/** Credentials: tenant API keys, user tokens, and the global guard that checks them. */
@Module({
  providers: [ApiKeysService, UserTokensService, RateLimits, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiKeysService, UserTokensService],
})
export class AuthModule {}
