import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../common/errors';
import { isUuid } from '../database/ids';
import { PreparedSql } from '../database/prepared-sql';
import { RateLimits } from '../http/rate-limits';
import { ApiKeysService } from './api-keys.service';
import { AUTH_KIND, type AuthKind } from './auth.decorators';
import { ACTING_AS_METHODS, ACTING_AS_USER_HEADER } from './principal';
import { UserTokensService } from './user-tokens.service';

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** The API key presented: `X-Api-Key` (an empty one is none), else the bearer. */
function apiKeyOf(request: FastifyRequest): string | undefined {
  const headerKey = request.headers['x-api-key'];
  const fromHeader = typeof headerKey === 'string' ? headerKey.trim() : '';
  return fromHeader !== '' ? fromHeader : bearer(request);
}

/**
 * The global guard: every route declares `@PublicRoute()`, `@TenantApi()` or `@UserApi()`;
 * one that declares nothing is refused (fail closed). Sets `request.kinkoPrincipal`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly userTokens: UserTokensService,
    private readonly sql: PreparedSql,
    private readonly rateLimits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kind = this.reflector.getAllAndOverride<AuthKind | undefined>(AUTH_KIND, [context.getHandler(), context.getClass()]);
    if (kind === undefined) {
      throw new Error(`${context.getClass().name}.${context.getHandler().name} declares no authentication (@PublicRoute, @TenantApi or @UserApi)`);
    }
    if (kind === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    // Rate limits (issue 15 §4): an address that failed too often is refused before any check;
    // each failure counts; an authenticated request counts against its tenant or user.
    await this.rateLimits.refuseBlockedAddress(request, reply);
    try {
      await this.authenticate(kind, request);
    } catch (error) {
      if (error instanceof UnauthorizedError) await this.rateLimits.countFailedAuthentication(request);
      throw error;
    }
    if (!request.kinkoPrincipal) throw new Error('authenticated without a principal');
    await this.rateLimits.consume(request, reply, request.kinkoPrincipal);
    return true;
  }

  /** Establishes `request.kinkoPrincipal` for a tenant or user route; {@link UnauthorizedError} when the credentials do not hold. */
  private async authenticate(kind: 'tenant' | 'user', request: FastifyRequest): Promise<true> {
    if (kind === 'tenant') {
      // An empty X-Api-Key header is no key at all: the bearer key (if any) decides.
      const presented = apiKeyOf(request);
      if (!presented) throw new UnauthorizedError('An API key is required (Authorization: Bearer <key> or X-Api-Key).');
      const identity = await this.apiKeys.authenticate(presented);
      request.kinkoPrincipal = { kind: 'tenant', tenantId: identity.tenantId, apiKeyId: identity.apiKeyId, apiKeyPrefix: identity.prefix };
      return true;
    }

    if (request.headers[ACTING_AS_USER_HEADER] !== undefined) return this.actAsUser(request);
    const token = bearer(request);
    if (!token) throw new UnauthorizedError('A user token is required (Authorization: Bearer <token>).');
    const verified = await this.userTokens.verify(token);
    // A token outlives nothing: a deleted user's tokens stop working at once. A token given
    // in a Link URL and exchanged there for a Link session is spent: it is no bearer token
    // any more. A prepared statement: this runs on every user request.
    const exists = await this.sql.rows(
      'SELECT 1 FROM users WHERE id = $1 AND tenant_id = $2 AND NOT EXISTS (SELECT 1 FROM link_page_sessions WHERE exchanged_token_id = $3)',
      [verified.userId, verified.tenantId, verified.tokenId],
    );
    if (exists.length === 0) throw new UnauthorizedError('Invalid or expired user token.');
    request.kinkoPrincipal = { kind: 'user', tenantId: verified.tenantId, userId: verified.userId, tokenId: verified.tokenId };
    return true;
  }

  /**
   * The tenant's API key acting as one of its users (issue 15 §3): reads only; the user must
   * be the tenant's (else 404, as for any id of another tenant).
   */
  private async actAsUser(request: FastifyRequest): Promise<true> {
    const presented = apiKeyOf(request);
    if (!presented) throw new UnauthorizedError('Kinko-Acting-As-User takes the API key (Authorization: Bearer <key> or X-Api-Key).');
    const identity = await this.apiKeys.authenticate(presented);
    if (!ACTING_AS_METHODS.has(request.method)) throw new ForbiddenError('An API key acting as a user may only read (GET); other requests take a user token.');
    const userId = request.headers[ACTING_AS_USER_HEADER];
    if (typeof userId !== 'string' || !isUuid(userId)) throw new NotFoundError('User');
    const exists = await this.sql.rows('SELECT 1 FROM users WHERE id = $1 AND tenant_id = $2', [userId.toLowerCase(), identity.tenantId]);
    if (exists.length === 0) throw new NotFoundError('User');
    request.kinkoPrincipal = { kind: 'user', tenantId: identity.tenantId, userId: userId.toLowerCase(), tokenId: null, actingApiKeyPrefix: identity.prefix };
    return true;
  }
}
