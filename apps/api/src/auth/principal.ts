import type { TenantScope, UserScope } from '../database/scoped-data';

/** Who is calling, as established by the auth guard. */
export type Principal =
  | { readonly kind: 'tenant'; readonly tenantId: string; readonly apiKeyId: string; readonly apiKeyPrefix: string }
  | { readonly kind: 'user'; readonly tenantId: string; readonly userId: string; readonly tokenId: string };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth guard on every authenticated route. */
    kinkoPrincipal?: Principal;
  }
}

/** The audit `actor` of a principal. */
export const actorOf = (p: Principal): string => (p.kind === 'tenant' ? `api-key:${p.apiKeyPrefix}` : `user:${p.userId}`);

/** The tenant scope of any principal. */
export const tenantScopeOf = (p: Principal): TenantScope => ({ tenantId: p.tenantId });

/** The user scope of a user principal. */
export const userScopeOf = (p: Extract<Principal, { kind: 'user' }>): UserScope => ({ tenantId: p.tenantId, userId: p.userId });
