import { Global, Logger, Module } from '@nestjs/common';
import { SETTINGS } from '../config/config.module';
import type { Settings } from '../config/settings';
import { resolveMasterKeyring } from './master-keyring';
import { MASTER_KEYRING, SecretsService } from './secrets.service';

/** Envelope encryption of connection secrets, and the master keyring (also used to sign user tokens). */
@Global()
@Module({
  providers: [
    {
      provide: MASTER_KEYRING,
      inject: [SETTINGS],
      useFactory: (settings: Settings) => resolveMasterKeyring(settings, (message) => new Logger('Secrets').warn(message)),
    },
    SecretsService,
  ],
  exports: [MASTER_KEYRING, SecretsService],
})
export class SecretsModule {}
