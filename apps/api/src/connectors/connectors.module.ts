import { type DynamicModule, Module } from '@nestjs/common';
import { BankDirectory } from './bank-directory';
import { CONNECTOR_REGISTRY } from './connector-registry.token';
import { BanksController, ConnectorsController, UserBanksController } from './connectors.controller';

/**
 * The banks this deployment offers ({@link BankDirectory}, built once at start by
 * AppModule from the connector packages and the bank entries: an unknown package, a bad
 * bank entry or a duplicate id stops the start there) and the SDK registry of their connectors.
 */
@Module({})
export class ConnectorsModule {
  /** The module around an already built directory. */
  static forRoot(directory: BankDirectory): DynamicModule {
    return {
      module: ConnectorsModule,
      global: true,
      controllers: [ConnectorsController, BanksController, UserBanksController],
      providers: [
        { provide: BankDirectory, useValue: directory },
        { provide: CONNECTOR_REGISTRY, useValue: directory.registry },
      ],
      exports: [BankDirectory, CONNECTOR_REGISTRY],
    };
  }
}
