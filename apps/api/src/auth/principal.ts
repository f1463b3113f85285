import type { TenantScope, UserScope } from '../database/scoped-data';

/** Who is calling, as established by the auth guard. */
export type Principal =
  | { readonly kind: 'tenant'; readonly tenantId: string; readonly apiKeyId: string; readonly apiKeyPrefix: string }
  | {
      readonly kind: 'user';
      readonly tenantId: string;
      readonly userId: string;
      /** The user token's id; null when the tenant's API key acts as the user ({@link ACTING_AS_USER_HEADER}, reads only). */
      readonly tokenId: string | null;
      /** The API key acting as the user, if it is one (the audit names the key, not the user). */
      readonly actingApiKeyPrefix?: string;
    };

/**
 * `Kinko-Acting-As-User: <userId>` with the tenant's API key: a tenant's backend reads one
 * of its users' data (GET routes of the user API) without minting a user token.
 */
export const ACTING_AS_USER_HEADER = 'kinko-acting-as-user';

/** The methods an API key acting as a user may call ({@link ACTING_AS_USER_HEADER}); any other answers 403. */
export const ACTING_AS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth guard on every authenticated route. */
    kinkoPrincipal?: Principal;
  }
}

/** The audit `actor` of a principal. */
export const actorOf = (p: Principal): string =>
  p.kind === 'tenant' ? `api-key:${p.apiKeyPrefix}` : p.actingApiKeyPrefix !== undefined ? `api-key:${p.actingApiKeyPrefix}` : `user:${p.userId}`;

/** The tenant scope of any principal. */
export const tenantScopeOf = (p: Principal): TenantScope => ({ tenantId: p.tenantId });

/** The user scope of a user principal. */
export const userScopeOf = (p: Extract<Principal, { kind: 'user' }>): UserScope => ({ tenantId: p.tenantId, userId: p.userId });
