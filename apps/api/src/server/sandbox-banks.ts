import type { BankEntry } from '../config/settings';

/** A bank the sandbox serves, as printed at start. */
export interface RunningSandboxBank {
  readonly bankCode: string;
  readonly bankName: string;
  readonly url: string;
  /** The client Kinko is registered as at the bank (development credentials). */
  readonly client?: { readonly apiKey: string; readonly password: string };
}

/** The sandbox banks started with the app. */
export interface RunningSandbox {
  readonly banks: readonly RunningSandboxBank[];
  /** The demo end user's login at the sandbox banks, when the sandbox says. */
  readonly demoLogin?: { readonly id: string; readonly password: string };
  close(): Promise<void>;
}

// The part of @kinko/sandbox-bank the demo uses, checked at run time: the sandbox is a dev
// tool that may not offer (or not yet offer) these, and start must work without it.
interface SandboxModule {
  startBankCommonApiSandbox?: (options: { banks: unknown; host?: string }) => Promise<RunningSandbox>;
  demoBanks?: (redirectDomains?: readonly string[]) => unknown;
  DEMO_PASSWORD?: string;
}

/** The bankId a sandbox bank gets in the bank list: `sandbox-<bank code>`. */
export const sandboxBankId = (bankCode: string): string => `sandbox-${bankCode}`;

/**
 * The sandbox's banks as bank entries of the 銀行共通API package (development: added to the
 * configured banks at start, so the demo user can connect them).
 */
export function sandboxBankEntries(sandbox: RunningSandbox): BankEntry[] {
  return sandbox.banks
    .filter((b) => b.client !== undefined)
    .map((b) => ({
      bankId: sandboxBankId(b.bankCode),
      connector: 'bank-common-api',
      options: {
        bankCode: b.bankCode,
        bankName: { ja: `${b.bankName}（サンドボックス）`, en: `${b.bankName} (sandbox)`, pl: `${b.bankName} (piaskownica)` },
        baseUrl: b.url,
        apiKey: b.client?.apiKey,
        password: b.client?.password,
      },
    }));
}

/**
 * Starts the demo sandbox banks (銀行共通API) on loopback when @kinko/sandbox-bank offers
 * `startBankCommonApiSandbox` and `demoBanks`; undefined when it does not or cannot.
 */
export async function startSandboxBanks(host: string, warn: (message: string) => void): Promise<RunningSandbox | undefined> {
  let mod: SandboxModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('@kinko/sandbox-bank') as SandboxModule;
  } catch (e) {
    warn(`sandbox banks not started: @kinko/sandbox-bank could not be loaded (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    return undefined;
  }
  if (typeof mod.startBankCommonApiSandbox !== 'function' || typeof mod.demoBanks !== 'function') {
    warn('sandbox banks not started: @kinko/sandbox-bank offers no startBankCommonApiSandbox/demoBanks');
    return undefined;
  }
  try {
    const sandbox = await mod.startBankCommonApiSandbox({ banks: mod.demoBanks(), host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host });
    return typeof mod.DEMO_PASSWORD === 'string' ? Object.assign(sandbox, { demoLogin: { id: 'demo', password: mod.DEMO_PASSWORD } }) : sandbox;
  } catch (e) {
    warn(`sandbox banks not started: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}
