/** Injection token of the app's `ConnectorRegistry` (from @kinko/connector-sdk). */
export const CONNECTOR_REGISTRY = Symbol('kinko.connector-registry');
