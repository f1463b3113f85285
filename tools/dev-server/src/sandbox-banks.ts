import { randomBytes } from 'node:crypto';
import type { DevelopmentBanksProvider, RunningBerlinGroupBank, RunningGmoAozoraBank, RunningNetbank, RunningPolishBank, RunningSandbox, RunningUkOpenBankingBank } from '@kinko/api';
import {
  BANK_COMMON_API_PERSONAS,
  BERLIN_GROUP_PERSONAS,
  DEMO_PASSWORD,
  GMO_AOZORA_PERSONAS,
  berlinGroupPersonaUsers,
  demoBanks,
  gmoAozoraPersonaUsers,
  startGmoAozoraSandbox,
  startBankCommonApiSandbox,
  startNetbankSandbox,
  startBerlinGroupSandbox,
  startPolishApiPersonaBank,
  UK_OPEN_BANKING_PERSONAS,
  startUkOpenBankingSandbox,
  ukOpenBankingPersonaUsers,
} from '@kinko/sandbox-bank';

/**
 * Starts the demo sandbox banks on loopback (even when the API listens on all interfaces):
 * the 銀行共通API banks with the demo login and personas, then the HTML net bank and the
 * PolishAPI persona bank (which may send users back to `callbackUris`). A bank that fails to
 * start is left out with a warning; undefined (and a warning) when the 銀行共通API banks fail.
 */
export const startSandboxBanks: DevelopmentBanksProvider = async ({ host, callbackUris, warn }) => {
  const loopback = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  let sandbox: RunningSandbox;
  try {
    const banks = await startBankCommonApiSandbox({ banks: demoBanks(), host: loopback });
    sandbox = { banks: banks.banks, demoLogin: { id: 'demo', password: DEMO_PASSWORD }, personas: BANK_COMMON_API_PERSONAS, close: () => banks.close() };
  } catch (e) {
    warn(`sandbox banks not started: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  const netbank: RunningNetbank | undefined = await started('the sandbox net bank', () => startNetbankSandbox({ host: loopback }), warn);
  const polish: RunningPolishBank | undefined = await started('the sandbox PolishAPI bank', () => startPolishApiPersonaBank({ host: loopback, redirectUris: callbackUris }), warn);
  const berlinGroup: RunningBerlinGroupBank | undefined = await started('the sandbox Berlin Group bank', async () => {
    const bank = await startBerlinGroupSandbox({ users: berlinGroupPersonaUsers(), host: loopback });
    return { bankName: 'Sandbox Bank', url: bank.url, clientId: 'kinko', personas: BERLIN_GROUP_PERSONAS.map((p) => ({ login: p.login, password: p.password, summary: p.description })), close: () => bank.close() };
  }, warn);
  // GMO Aozora Net Bank's personal Open API, in place of the 銀行共通API bank under its code 0310; Kinko's client secret there is made per process.
  const gmoAozora: RunningGmoAozoraBank | undefined = await started('the sandbox GMO Aozora bank', async () => {
    const client = { clientId: 'kinko', clientSecret: randomBytes(24).toString('base64url') };
    const bank = await startGmoAozoraSandbox({ ...client, users: gmoAozoraPersonaUsers(), host: loopback });
    return { bankName: 'GMOあおぞらネット銀行', englishName: 'GMO Aozora Net Bank', url: bank.baseUrl, ...client, personas: GMO_AOZORA_PERSONAS.map((p) => ({ login: p.login, password: p.password, summary: p.description })), close: () => bank.close() };
  }, warn);
  // UK Open Banking 4.0 AIS: Kinko's callback registered on loopback (any port there, RFC 8252); its client secret made per process.
  const ukOpenBanking: RunningUkOpenBankingBank | undefined = await started('the sandbox UK Open Banking bank', async () => {
    const client = { clientId: 'kinko', clientSecret: randomBytes(24).toString('base64url') };
    const bank = await startUkOpenBankingSandbox({ ...client, users: ukOpenBankingPersonaUsers(), redirectUris: callbackUris, host: loopback });
    return { bankName: 'Sandbox Bank UK', url: bank.baseUrl, ...client, personas: UK_OPEN_BANKING_PERSONAS.map((p) => ({ login: p.login, password: p.password, summary: p.description })), close: () => bank.close() };
  }, warn);
  const closeBanks = sandbox.close;
  return {
    ...sandbox,
    ...(netbank ? { netbank } : {}),
    ...(polish ? { polish } : {}),
    ...(berlinGroup ? { berlinGroup } : {}),
    ...(gmoAozora ? { gmoAozora } : {}),
    ...(ukOpenBanking ? { ukOpenBanking } : {}),
    close: async () => {
      await Promise.allSettled([closeBanks(), netbank?.close(), polish?.close(), berlinGroup?.close(), gmoAozora?.close(), ukOpenBanking?.close()]);
    },
  };
};

/** The bank `start` starts, or undefined with a warning naming `what` when it fails. */
async function started<T>(what: string, start: () => Promise<T>, warn: (message: string) => void): Promise<T | undefined> {
  try {
    return await start();
  } catch (e) {
    warn(`${what} was not started: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}
