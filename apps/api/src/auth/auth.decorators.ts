import { type ExecutionContext, SetMetadata, applyDecorators, createParamDecorator } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { TenantScope, UserScope } from '../database/scoped-data';
import { Problem } from '../http/problem';
import { problemSchema } from '../http/problem-docs';
import { type Principal, tenantScopeOf, userScopeOf } from './principal';

/** Metadata key holding a route's {@link AuthKind}. */
export const AUTH_KIND = 'kinko:auth-kind';

/** Who may call a route: anyone, a tenant backend (API key), or an end user (user token). */
export type AuthKind = 'public' | 'tenant' | 'user';

/** OpenAPI security scheme names (declared in openapi.ts). */
export const SECURITY = { apiKeyBearer: 'apiKeyBearer', apiKeyHeader: 'apiKeyHeader', userToken: 'userToken' } as const;

/** @nestjs/swagger's metadata key of an operation's `security` (its `DECORATORS.API_SECURITY`). */
const API_SECURITY_METADATA = 'swagger/apiSecurity';

/** A route anyone may call (health, metrics). Every route must declare one of the three. Documented with `security: []`. */
export const PublicRoute = (): ClassDecorator & MethodDecorator => applyDecorators(SetMetadata(AUTH_KIND, 'public'), SetMetadata(API_SECURITY_METADATA, []));

/** Tenant API: `Authorization: Bearer <API key>` or `X-Api-Key: <API key>`. */
export const TenantApi = (): ClassDecorator & MethodDecorator =>
  applyDecorators(
    SetMetadata(AUTH_KIND, 'tenant'),
    ApiBearerAuth(SECURITY.apiKeyBearer),
    ApiSecurity(SECURITY.apiKeyHeader),
    ApiExtraModels(Problem),
    ApiUnauthorizedResponse({ description: 'Missing or invalid API key.', schema: problemSchema(['unauthorized']) }),
  );

/** User API: `Authorization: Bearer <user token>` (minted by the tenant's backend). */
export const UserApi = (): ClassDecorator & MethodDecorator =>
  applyDecorators(
    SetMetadata(AUTH_KIND, 'user'),
    ApiBearerAuth(SECURITY.userToken),
    ApiExtraModels(Problem),
    ApiUnauthorizedResponse({ description: 'Missing, invalid or expired user token.', schema: problemSchema(['unauthorized']) }),
  );

function principalOf(ctx: ExecutionContext): Principal {
  const principal = ctx.switchToHttp().getRequest<FastifyRequest>().kinkoPrincipal;
  if (!principal) throw new Error('no principal on an authenticated route');
  return principal;
}

/** The caller (any authenticated route). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => principalOf(ctx));

/** The tenant scope of the caller (tenant or user routes). */
export const CurrentTenant = createParamDecorator((_: unknown, ctx: ExecutionContext): TenantScope => tenantScopeOf(principalOf(ctx)));

/** The (tenant, user) scope of a user-token caller. */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): UserScope => {
  const principal = principalOf(ctx);
  if (principal.kind !== 'user') throw new Error('@CurrentUser() on a route that is not @UserApi()');
  return userScopeOf(principal);
});
