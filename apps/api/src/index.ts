/**
 * @kinko/api is an application, run as `node dist/main.js` (see README.md). Its package
 * entry is for launchers only (nothing else imports apps/*, the layering rule): the
 * development launcher tools/dev-server runs the main job with the sandbox banks plugged in
 * through {@link KinkoHooks}, so the app itself never depends on the sandbox.
 */
export { main, runMain } from './main';
export { withLauncherDefaults, type KinkoHooks } from './server/start-kinko';
export type { DevelopmentBanksProvider, RunningBerlinGroupBank, RunningGmoAozoraBank, RunningNetbank, RunningPolishBank, RunningSandbox, RunningSandboxBank, RunningUkOpenBankingBank, SandboxPersona } from './server/sandbox-banks';
