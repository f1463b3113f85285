/**
 * @kinko/client: a typed client of the Kinko API. The types are generated from the API's
 * OpenAPI document (openapi.json, by openapi-typescript: `pnpm --filter @kinko/client run
 * generate`); requests go through openapi-fetch. {@link createKinkoClient} adds helpers for a
 * tenant's flows: users, user tokens, connecting a bank, following a sync, reading every
 * page of transactions and the change feed, reading with the API key acting as a user.
 */
export * from './client';
export * from './errors';
export type { components, operations, paths } from './schema';
