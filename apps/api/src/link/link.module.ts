import { type DynamicModule, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AuthModule } from '../auth/auth.module';
import { ChallengesModule } from '../challenges/challenges.module';
import type { BankEntry } from '../config/settings';
import { ConnectService } from '../connections/connect.service';
import { ConnectionsModule } from '../connections/connections.module';
import { ConsentsModule } from '../consents/consents.module';
import { TenantsModule } from '../tenants/tenants.module';
import { DirectLoginUrlsHolder, LinkPages } from './link-pages';
import { LinkSessions } from './link-session';
import { LinkController } from './link.controller';

/** What the Link pages are built from. */
export interface LinkModuleOptions {
  /** Every bank entry of the deployment (KINKO_BANKS and the development sandbox): their `directLoginUrl` options. */
  readonly banks: readonly BankEntry[];
}

/**
 * The Link pages: server-rendered HTML where an end user picks a bank, goes through its
 * redirect or enters credentials, answers challenges and sees the vault.
 */
@Module({})
export class LinkModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** The module, with the banks' direct-login pages. */
  static forRoot(options: LinkModuleOptions): DynamicModule {
    const direct = new Map<string, string>();
    for (const b of options.banks) if (typeof b.options.directLoginUrl === 'string') direct.set(b.bankId, b.options.directLoginUrl);
    return {
      module: LinkModule,
      imports: [AuthModule, ChallengesModule, ConnectionsModule, ConsentsModule, TenantsModule],
      controllers: [LinkController],
      // The user API's connect flow (state + PKCE, link sessions) starts the redirect banks' logins.
      providers: [LinkSessions, LinkPages, ConnectService, { provide: DirectLoginUrlsHolder, useValue: new DirectLoginUrlsHolder(direct) }],
      exports: [LinkSessions],
    };
  }

  /** HTML forms post application/x-www-form-urlencoded: parsed into a plain object of strings. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || fastify.hasContentTypeParser('application/x-www-form-urlencoded')) return;
    fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      const fields: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(body as string)) if (!(k in fields)) fields[k] = v;
      done(null, fields);
    });
  }
}
