import type { Connector } from '@kinko/connector-sdk';

/**
 * THE list of connectors the app offers — the one place a connector is registered. Add a
 * connector package to apps/api's dependencies and its exported connector value here;
 * duplicate ids stop the app at start-up.
 */
export const REGISTERED_CONNECTORS: readonly Connector[] = [];
