import type { Connector } from './connector';

/** Every connector the app offers, registered in one place. */
export interface ConnectorRegistry {
  /** Registered ids in registration order. */
  readonly ids: readonly string[];
  /** Every registered connector in registration order. */
  list(): readonly Connector[];
  /** The connector with this id, if registered. */
  get(id: string): Connector | undefined;
  /** The connector with this id; throws {@link UnknownConnectorError} otherwise. */
  require(id: string): Connector;
}

/** Thrown at start-up when two registered connectors share an id. */
export class DuplicateConnectorIdError extends Error {
  override readonly name = 'DuplicateConnectorIdError';
}

/** Thrown by `require` for an id nobody registered. */
export class UnknownConnectorError extends Error {
  override readonly name = 'UnknownConnectorError';
}

/** Builds the registry; throws {@link DuplicateConnectorIdError} naming every duplicated id. */
export function createConnectorRegistry(connectors: readonly Connector[]): ConnectorRegistry {
  const byId = new Map<string, Connector>();
  const duplicates = new Set<string>();
  for (const connector of connectors) {
    const id = connector.manifest.id;
    if (byId.has(id)) duplicates.add(id);
    else byId.set(id, connector);
  }
  if (duplicates.size > 0) throw new DuplicateConnectorIdError(`duplicate connector ids: ${[...duplicates].join(', ')}`);
  const list = Object.freeze([...byId.values()]);
  return {
    ids: Object.freeze([...byId.keys()]),
    list: () => list,
    get: (id) => byId.get(id),
    require(id) {
      const connector = byId.get(id);
      if (!connector) throw new UnknownConnectorError(`no connector "${id}" is registered`);
      return connector;
    },
  };
}
