/** A connector client against a sandbox bank, and the user's round trip through the bank's login page. */
import { collectPages, createPkcePair, createState, type Clock, type ConnectorClient, type Grant } from '@kinko/connector-sdk';
import type { Identity, SandboxScenario } from '@kinko/connector-sdk/testkit';
import type { BankCommonApiBankConfig } from '@kinko/sandbox-bank';
import { completeRedirect, identities, sandboxConnector, startScenario, type ScenarioSandbox } from './sandbox-support';

/** Where the bank sends the user back (a host the sandbox client registered). */
export const REDIRECT_URI = 'https://kinko.invalid/link/callback';

/** A sandbox bank and a client of the test connector pointed at it. */
export interface Session extends ScenarioSandbox {
  readonly client: ConnectorClient;
  /** Another client of the same bank (e.g. with another clock). */
  newClient(options?: { readonly clock?: Clock; readonly password?: string }): ConnectorClient;
  close(): Promise<void>;
}

/** Starts a sandbox for `scenario` and a client with short, kit-like timeouts. */
export async function startSession(scenario: SandboxScenario = { type: 'basic' }, overrides: Partial<BankCommonApiBankConfig> = {}): Promise<Session> {
  const started = await startScenario(scenario, overrides);
  const clients: ConnectorClient[] = [];
  const newClient = (options: { clock?: Clock; password?: string } = {}): ConnectorClient => {
    const config = started.handle.config as Record<string, string>;
    const client = sandboxConnector.create({
      config: options.password === undefined ? config : { ...config, password: options.password },
      extraAllowedHosts: started.handle.allowedHosts,
      http: { timeouts: { connectMs: 1_000, totalMs: 2_000 }, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 1_500 } },
      ...(options.clock ? { clock: options.clock } : {}),
    });
    clients.push(client);
    return client;
  };
  const client = newClient();
  return {
    ...started,
    client,
    newClient,
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await started.handle.close();
    },
  };
}

/** A begun login: the bank's login URL and what the Link session keeps. */
export interface BegunLogin {
  readonly url: string;
  readonly state: string;
  readonly verifier: ReturnType<typeof createPkcePair>['verifier'];
}

/** Begins a login as the app does (fresh state and PKCE pair). */
export async function beginLogin(client: ConnectorClient): Promise<BegunLogin> {
  const pkce = createPkcePair();
  const state = createState();
  const start = await client.auth.begin({ redirectUri: REDIRECT_URI, state, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
  if (!start.ok || start.value.type !== 'redirect') throw new Error('auth.begin did not redirect');
  return { url: start.value.url, state, verifier: pkce.verifier };
}

/** Completes a begun login with the callback parameters. */
export function completeLogin(client: ConnectorClient, login: BegunLogin, callbackParams: Record<string, string>) {
  return client.auth.complete({ type: 'redirect', callbackParams, redirectUri: REDIRECT_URI, codeVerifier: login.verifier });
}

/** The whole login: begin, the user at the bank's page, complete. */
export async function login(client: ConnectorClient, identity: Identity = identities.valid) {
  const begun = await beginLogin(client);
  return completeLogin(client, begun, await completeRedirect(begun.url, identity));
}

/** Logs the valid user in and returns the grant (fails the test otherwise). */
export async function grantOf(client: ConnectorClient): Promise<Grant> {
  const out = await login(client);
  if (!out.ok) throw new Error(`login failed: ${out.error._tag} ${out.error.message}`);
  if (out.value.type !== 'granted') throw new Error('login raised a challenge');
  return out.value.grant;
}

/** All items of a stream, or its error. */
export const collect = collectPages;
