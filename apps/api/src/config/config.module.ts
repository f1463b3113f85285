import { type DynamicModule, Global, Inject, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { type Settings, loadSettings } from './settings';

/** Injection token of the validated {@link Settings}. */
export const SETTINGS = Symbol('kinko.settings');
const SETTINGS_KEY = 'kinko';

/** Injects the validated {@link Settings} (`@InjectSettings() settings: Settings`). */
export const InjectSettings = (): ParameterDecorator => Inject(SETTINGS);

/** Where the settings come from: already parsed (main, tests), or an environment to validate. */
export type SettingsSource = { readonly settings: Settings } | { readonly env: Readonly<Record<string, string | undefined>>; readonly cwd?: string };

/**
 * Global configuration. `@nestjs/config` runs {@link loadSettings} as its `validate` hook,
 * so a bad or missing setting stops the module from being created, with a message naming it.
 */
@Global()
@Module({})
export class KinkoConfigModule {
  /** Builds the module from parsed settings or from an environment to validate. */
  static forRoot(source: SettingsSource): DynamicModule {
    return {
      module: KinkoConfigModule,
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          // The source is explicit, never the ambient process.env, so tests stay isolated.
          validatePredefined: false,
          validate: () => ({ [SETTINGS_KEY]: 'settings' in source ? source.settings : loadSettings(source.env, source.cwd) }),
        }),
      ],
      providers: [{ provide: SETTINGS, inject: [ConfigService], useFactory: (config: ConfigService) => config.getOrThrow<Settings>(SETTINGS_KEY) }],
      exports: [SETTINGS],
    };
  }
}
