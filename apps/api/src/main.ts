import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import {
  COMMAND_HELP,
  type CommandIo,
  type ExitCode,
  createApiKeyCommand,
  listApiKeysCommand,
  revokeApiKeyCommand,
  createTenantCommand,
  generateMasterKeyCommand,
  generateMigrationCommand,
  migrateCommand,
  rotateMasterKeyCommand,
} from './cli/commands';
import { InvalidSettingsError, type Settings, checkDatabaseSettings, checkServeSettings, loadSettings, unknownSettings } from './config/settings';
import { checkBankEntries } from './connectors/bank-directory';
import { REGISTERED_CONNECTOR_PACKAGES } from './connectors/registered-connectors';
import { UnsupportedDatabaseError } from './database/data-source';
import { type KinkoHooks, startBanner, startKinko, withLauncherDefaults } from './server/start-kinko';
import { workerCommand } from './server/start-worker';

const io: CommandIo = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };

/** `serve`: runs until SIGINT/SIGTERM, then stops everything in order and exits 0. */
async function serve(settings: Settings, hooks: KinkoHooks): Promise<ExitCode> {
  const kinko = await startKinko(settings, hooks);
  for (const line of startBanner(kinko, settings)) io.out(line);
  return new Promise<ExitCode>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        io.err(`${signal} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      io.out(`${signal}: stopping…`);
      kinko.stop().then(
        () => {
          io.out('stopped');
          resolve(0);
        },
        (e: unknown) => {
          new Logger('Kinko').error(e instanceof Error ? e.stack : String(e));
          resolve(1);
        },
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

/**
 * The main job's commands (`serve` by default). `hooks` are what a launcher plugs in: the
 * development launcher (tools/dev-server) gives the sandbox banks; `node dist/main.js` none.
 */
export async function main(argv: readonly string[], hooks: KinkoHooks = {}): Promise<ExitCode> {
  const [command = 'serve', ...args] = argv;
  if (command === 'help' || command === '--help' || !(command in COMMAND_HELP)) {
    for (const [name, help] of Object.entries(COMMAND_HELP)) io.out(`  ${name.padEnd(20)} ${help}`);
    return command === 'help' || command === '--help' ? 0 : 2;
  }
  if (command === 'generate-master-key') return generateMasterKeyCommand(io);
  if (command === 'generate-migration') return generateMigrationCommand(args, io);

  let settings: Settings;
  // A mistyped KINKO_* variable is named (with the setting it probably meant), not silently ignored.
  for (const line of unknownSettings(process.env)) io.err(`kinko: ${line}`);
  try {
    // Relative paths (KINKO_DATA_DIR, default ./.kinko) are relative to where the command was
    // run: INIT_CWD when started through pnpm (which runs scripts in the package directory).
    // The launcher's defaults (the development launcher's webhook policy) under the operator's settings.
    settings = withLauncherDefaults(loadSettings(process.env, process.env['INIT_CWD'] ?? process.cwd()), hooks);
    // Each bank entry's fields, checked by its connector package before anything starts.
    checkBankEntries(REGISTERED_CONNECTOR_PACKAGES, settings.banks);
    // Every other command opens the database: production needs DATABASE_URL (or the explicit opt-in).
    checkDatabaseSettings(settings);
    if (command === 'serve') checkServeSettings(settings);
  } catch (e) {
    if (e instanceof InvalidSettingsError) {
      io.err(e.message);
      return 2;
    }
    throw e;
  }
  switch (command) {
    case 'serve':
      return serve(settings, hooks);
    case 'create-tenant':
      return createTenantCommand(settings, args, io);
    case 'create-api-key':
      return createApiKeyCommand(settings, args, io);
    case 'list-api-keys':
      return listApiKeysCommand(settings, args, io);
    case 'revoke-api-key':
      return revokeApiKeyCommand(settings, args, io);
    case 'rotate-master-key':
      return rotateMasterKeyCommand(settings, args, io);
    case 'migrate':
      return migrateCommand(settings, io);
    case 'worker':
      return workerCommand(settings, io.out);
    default:
      return 2;
  }
}

/** Runs {@link main} as the process: exits with its code. */
export function runMain(argv: readonly string[], hooks: KinkoHooks = {}): void {
  main(argv, hooks).then(
    (code) => process.exit(code),
    (e: unknown) => {
      // A database too old is the operator's to fix: its message says how; a stack would not help.
      io.err(`kinko: ${e instanceof UnsupportedDatabaseError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exit(1);
    },
  );
}

// `node dist/main.js`: the production entry (no development banks). The launcher imports runMain instead.
if (require.main === module) runMain(process.argv.slice(2));
