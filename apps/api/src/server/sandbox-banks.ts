/** A bank the sandbox serves, as printed at start. */
export interface RunningSandboxBank {
  readonly bankCode: string;
  readonly bankName: string;
  readonly url: string;
}

/** The sandbox banks started with the app. */
export interface RunningSandbox {
  readonly banks: readonly RunningSandboxBank[];
  close(): Promise<void>;
}

// The part of @kinko/sandbox-bank the demo uses, checked at run time: the sandbox is a dev
// tool that may not offer (or not yet offer) these, and start must work without it.
interface SandboxModule {
  startBankCommonApiSandbox?: (options: { banks: unknown; host?: string }) => Promise<RunningSandbox>;
  demoBanks?: (redirectDomains?: readonly string[]) => unknown;
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
    return await mod.startBankCommonApiSandbox({ banks: mod.demoBanks(), host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host });
  } catch (e) {
    warn(`sandbox banks not started: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}
