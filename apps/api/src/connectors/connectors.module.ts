import { type Connector, createConnectorRegistry } from '@kinko/connector-sdk';
import { type DynamicModule, Module } from '@nestjs/common';
import { ConnectorsController } from './connectors.controller';
import { CONNECTOR_REGISTRY } from './connector-registry.token';
import { REGISTERED_CONNECTORS } from './registered-connectors';

/** The connector registry, built once at start (duplicate ids are rejected there). */
@Module({})
export class ConnectorsModule {
  /** `connectors` defaults to {@link REGISTERED_CONNECTORS}; tests pass their own. */
  static forRoot(connectors: readonly Connector[] = REGISTERED_CONNECTORS): DynamicModule {
    return {
      module: ConnectorsModule,
      global: true,
      controllers: [ConnectorsController],
      providers: [{ provide: CONNECTOR_REGISTRY, useFactory: () => createConnectorRegistry(connectors) }],
      exports: [CONNECTOR_REGISTRY],
    };
  }
}
