/**
 * The Berlin Group consent lifecycle as the app sees it: the consent the connector asks for
 * (and the facts it keeps), PSU-IP-Address mandatory on consent creation, consent statuses
 * ended at the bank mapped to the seed's outcomes (expired → EXPIRED, revokedByPsu /
 * terminatedByTpp → DEAUTHORIZED), 429 once the day's unattended accesses are spent, and
 * DELETE on disconnect — over loopback against the sandbox.
 */
import { createPkcePair, createState, errorOutcome } from '@kinko/connector-sdk';
import { addDays, dateInZone } from '@kinko/domain';
import type { BerlinGroupSandbox } from '@kinko/sandbox-bank';
import { berlinGroup } from '../src';
import { LOGIN, REDIRECT_URI, collectPages, grantOf, logIn, startScenario } from './support';

const today = () => dateInZone(new Date(), 'Europe/Berlin');

describe('Berlin Group consents', () => {
  let sandbox: BerlinGroupSandbox;
  afterEach(() => sandbox?.close());

  it('asks for a recurring consent with validUntil and frequencyPerDay; the grant keeps what the bank confirmed, read by consentFacts', async () => {
    sandbox = await startScenario({ type: 'basic' });
    const { start, step, callbackParams } = await logIn(sandbox, berlinGroup, { config: { consentValidityDays: 30, frequencyPerDay: 2 } });
    const grant = grantOf(step);
    // The bank assigned the consent id; it came back through flowState, not through the redirect URI.
    expect(start.flowState).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(callbackParams).sort()).toEqual(['code', 'state']);
    const consent = sandbox.testHooks.consent(start.flowState as string);
    expect(consent).toMatchObject({ status: 'valid', recurringIndicator: true, validUntil: addDays(today(), 30), frequencyPerDay: 2, access: { allPsd2: 'allAccounts' }, login: LOGIN });
    expect(berlinGroup.consentFacts(grant)).toEqual({
      validUntil: new Date(`${addDays(today(), 31)}T00:00:00Z`),
      frequencyPerDay: 2,
      lastScaAt: expect.any(Date),
    });
  });

  it('refuses to create a consent without the PSU’s IP address (mandatory on POST /v1/consents)', async () => {
    sandbox = await startScenario({ type: 'basic' });
    const client = berlinGroup.create({ config: { baseUrl: sandbox.url, clientId: 'kinko-test' }, extraAllowedHosts: [sandbox.hostEntry] });
    const pkce = createPkcePair();
    const out = await client.auth.begin({ redirectUri: REDIRECT_URI, state: createState(), codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    expect(out.ok ? 'ok' : out.error.message).toMatch(/PSU-IP-Address is mandatory/);
    expect(sandbox.testHooks.consentsOf(LOGIN)).toEqual([]);
  });

  const ended = [
    { status: 'expired', hook: 'expire', tag: 'ConsentExpired', seed: 'EXPIRED', consentStatus: 'expired' },
    { status: 'revokedByPsu', hook: 'revokeByPsu', tag: 'ConsentRevoked', seed: 'DEAUTHORIZED', consentStatus: 'revokedByUser' },
  ] as const;
  for (const c of ended) {
    it(`a consent ${c.status} at the bank yields ${c.tag} on data calls and refresh (the seed's ${c.seed}: consent ${c.consentStatus})`, async () => {
      sandbox = await startScenario({ type: 'basic' });
      const { client, start, step } = await logIn(sandbox, berlinGroup);
      const grant = grantOf(step);
      expect((await collectPages(client.accounts(grant))).ok).toBe(true);
      sandbox.testHooks[c.hook](start.flowState as string);
      expect(sandbox.testHooks.consent(start.flowState as string)?.status).toBe(c.status);
      const read = await collectPages(client.accounts(grant));
      expect(read.ok ? 'ok' : read.error._tag).toBe(c.tag);
      if (!read.ok) expect(errorOutcome(read.error)).toEqual({ scope: 'consent', consentStatus: c.consentStatus });
      const refreshed = await client.auth.refresh(grant);
      expect(refreshed.ok ? 'ok' : refreshed.error._tag).toBe(c.tag);
    });
  }

  it('revoke (disconnect) DELETEs the consent: terminatedByTpp at the bank, and the grant yields ConsentRevoked', async () => {
    sandbox = await startScenario({ type: 'basic' });
    const { client, start, step } = await logIn(sandbox, berlinGroup);
    const grant = grantOf(step);
    expect(await client.auth.revoke(grant)).toEqual({ ok: true, value: undefined });
    expect(sandbox.testHooks.consent(start.flowState as string)?.status).toBe('terminatedByTpp');
    const read = await collectPages(client.accounts(grant));
    // The bank revoked the tokens with the consent: the token is refused first (the grant is gone).
    expect(read.ok ? 'ok' : read.error._tag).toMatch(/^(ConsentRevoked|CredentialsInvalid)$/);
    const refreshed = await client.auth.refresh(grant);
    expect(refreshed.ok ? 'ok' : refreshed.error._tag).toBe('ConsentRevoked');
  });

  it('answers 429 once the day’s unattended accesses (no PSU-IP-Address) are spent: RateLimited; a present user is not counted', async () => {
    sandbox = await startScenario({ type: 'transactions', kind: 'booked', window: { from: addDays(today(), -10), to: addDays(today(), -1) }, count: 3 });
    const { client, step } = await logIn(sandbox, berlinGroup, { config: { frequencyPerDay: 2 } });
    const grant = grantOf(step);
    const window = { from: addDays(today(), -10), to: addDays(today(), -1) };
    const read = () => collectPages(client.transactions(grant, { bankAccountId: 'kit-acc', kind: 'booked', window }));
    expect((await read()).ok).toBe(true);
    expect((await read()).ok).toBe(true);
    const third = await read();
    expect(third.ok ? 'ok' : third.error._tag).toBe('RateLimited');
    expect(sandbox.requests().at(-1)?.status).toBe(429);
    // The user in front of the app (PSU-IP-Address sent) is not limited.
    const present = await collectPages(client.transactions(grant, { bankAccountId: 'kit-acc', kind: 'booked', window, psu: { ipAddress: '192.0.2.1', userPresent: true } }));
    expect(present.ok ? present.value.length : present.error._tag).toBe(3);
  });
});
