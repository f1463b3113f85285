import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { routesOf } from '../../src/app';
import { OPENAPI_PATHS } from '../../src/http/openapi';
import { type CatalogRoute, RouteCatalog } from '../../src/http/route-catalog';
import { SEED_BANK, type SeededTenant, type SeededTenantUser } from '../support/fixtures';

// ── Extension points ─────────────────────────────────────────────────────────────────
// A new route is covered automatically. A new path parameter name needs one line below:
// which seeded id it takes (the seed, test/support/fixtures.ts, may need a new row too).

/** How a path parameter is filled with an id owned by a given seeded user. */
export const PARAM_RESOLVERS: Readonly<Record<string, (owner: SeededTenantUser) => string>> = {
  userId: (u) => u.userId,
  connectionId: (u) => u.connectionId,
  consentId: (u) => u.consentId,
  accountId: (u) => u.accountId,
  sessionId: (u) => u.sessionId,
  transactionId: (u) => u.bookedTransactionId,
  // GET /api/v2/connect/flows/{connectFlowId}/browser (public: its key, not the id, opens it).
  connectFlowId: (u) => u.connectFlowId,
  // POST /api/v2/bank/{idType}/{idValue}/sync with idType connectionId (FIXED_PARAMS).
  idValue: (u) => u.connectionId,
  // DELETE /api/v2/tenant/api-keys/{apiKeyId}: a spare key of the user's tenant (not the calling one).
  apiKeyId: (u) => u.spareApiKeyId,
  // /api/v2/tenant/webhooks/{endpointId}…, …/deliveries/{deliveryId}/redeliver: the tenant's own.
  endpointId: (u) => u.webhookEndpointId,
  deliveryId: (u) => u.webhookDeliveryId,
};

/** Path parameters that are not ids: one valid value each (not owner-specific). */
export const FIXED_PARAMS: Readonly<Record<string, string>> = {
  stage: 'transactions',
  // A bank is not owned: any user may connect it. Syncing it concerns only the caller's own
  // connections there (none → 404), so a foreign user's data is never reached through it.
  bankId: SEED_BANK.bankId,
  idType: 'connectionId',
};

/** Request bodies for routes whose OpenAPI schema cannot yield a valid sample ("METHOD /path"). */
export const BODY_OVERRIDES: Readonly<Record<string, unknown>> = {};

/** Routes served outside Nest controllers (public by design): the docs and their assets. */
export const NON_CONTROLLER_ROUTES: readonly RegExp[] = [/^\/api\/docs(\/|$)/, /^\/api\/openapi\.json$/];

// ── Machinery ────────────────────────────────────────────────────────────────────────

/** Whose id a parameter carries in one probe. */
export type Owner = 'self' | 'other user, same tenant' | 'other tenant';

/** One request of the harness. */
export interface Probe {
  readonly route: CatalogRoute;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  /** Which parameter is foreign, and whose it is (undefined: all own — the positive control). */
  readonly foreign?: { readonly param: string; readonly owner: Owner };
}

/** The app's controller routes, from Nest's metadata. */
export function catalogOf(app: NestFastifyApplication): CatalogRoute[] {
  return app.get(RouteCatalog).routes();
}

/** Routes Fastify serves that are neither controller routes nor known non-controller routes. */
export function unaccountedRoutes(app: NestFastifyApplication, catalog: readonly CatalogRoute[]): string[] {
  const known = new Set(catalog.map((r) => `${r.method} ${r.path}`));
  return routesOf(app)
    .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS')
    .filter((r) => !known.has(`${r.method} ${r.url}`) && !NON_CONTROLLER_ROUTES.some((p) => p.test(r.url)))
    .map((r) => `${r.method} ${r.url}`);
}

/** Parameters a route uses that the harness does not know how to fill. */
export function unknownParams(route: CatalogRoute): string[] {
  return route.params.filter((p) => !(p in PARAM_RESOLVERS) && !(p in FIXED_PARAMS));
}

function fillPath(route: CatalogRoute, valueOf: (param: string) => string): string {
  return route.path.replace(/:([A-Za-z0-9_]+)/g, (_, p: string) => encodeURIComponent(valueOf(p)));
}

type Schema = { $ref?: string; type?: string; example?: unknown; default?: unknown; enum?: unknown[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; format?: string; minimum?: number };

function sample(schema: Schema | undefined, doc: OpenAPIObject): unknown {
  if (!schema) return undefined;
  if (schema.$ref) return sample((doc.components?.schemas as Record<string, Schema>)[schema.$ref.split('/').pop() as string], doc);
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum[0];
  switch (schema.type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((k) => [k, sample(schema.properties?.[k], doc)]));
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string':
      return schema.format === 'uuid' ? '00000000-0000-7000-8000-000000000000' : schema.format === 'date' ? '2026-01-01' : 'x';
    default:
      return {};
  }
}

/** A minimal valid body for a route, from its OpenAPI request schema (or an override). */
export function bodyFor(route: CatalogRoute, doc: OpenAPIObject): unknown {
  const key = `${route.method} ${route.path}`;
  if (key in BODY_OVERRIDES) return BODY_OVERRIDES[key];
  const openApiPath = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  const operation = (doc.paths[openApiPath] as Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }> | undefined)?.[route.method.toLowerCase()];
  const schema = operation?.requestBody?.content?.['application/json']?.schema;
  return schema ? sample(schema, doc) : undefined;
}

/** The OpenAPI document as the app serves it. */
export async function openApiOf(app: NestFastifyApplication): Promise<OpenAPIObject> {
  return (await app.inject({ method: 'GET', url: OPENAPI_PATHS.json })).json<OpenAPIObject>();
}

/**
 * The probes for one route, acting as user A1 of tenant A (its token, or tenant A's API
 * key): for each path parameter in turn, every other parameter takes A1's id and this one
 * takes the id of another user of tenant A (where tenant A must not reach it through
 * this route) or of a user of tenant B. Plus one positive control with A1's ids only.
 */
export function probesFor(route: CatalogRoute, tenantA: SeededTenant, tenantB: SeededTenant, doc: OpenAPIObject): Probe[] {
  const [a1, a2] = tenantA.users;
  const [b1] = tenantB.users;
  const headers: Record<string, string> = route.auth === 'tenant' ? { authorization: `Bearer ${tenantA.apiKey}` } : route.auth === 'user' ? { authorization: `Bearer ${a1.token}` } : {};
  const body = bodyFor(route, doc);
  const own = (p: string): string => FIXED_PARAMS[p] ?? (PARAM_RESOLVERS[p] as (u: SeededTenantUser) => string)(a1);
  const probes: Probe[] = [{ route, url: fillPath(route, own), headers, body }];
  for (const param of route.params.filter((p) => p in PARAM_RESOLVERS)) {
    const resolve = PARAM_RESOLVERS[param] as (u: SeededTenantUser) => string;
    const foreignOwners: Array<[Owner, SeededTenantUser]> = [['other tenant', b1]];
    // A tenant may reach any of its users' ids, unless the route is bound to one user.
    const userBound = route.auth === 'user' || (route.params.includes('userId') && param !== 'userId');
    if (userBound) foreignOwners.push(['other user, same tenant', a2]);
    for (const [owner, user] of foreignOwners) {
      probes.push({ route, url: fillPath(route, (p) => (p === param ? resolve(user) : own(p))), headers, body, foreign: { param, owner } });
    }
  }
  return probes;
}
