/**
 * The development launcher: Kinko's main job (`@kinko/api`'s commands, `serve` by default)
 * with the sandbox banks plugged in as its development banks. The root `pnpm start` runs it;
 * the app itself never loads the sandbox (`node apps/api/dist/main.js` starts without it).
 */
import { runMain } from '@kinko/api';
import { DEVELOPMENT_HOOKS } from './hooks';

runMain(process.argv.slice(2), DEVELOPMENT_HOOKS);
