/**
 * Authorisation: what POST /authorize asks for (scope_details), the grant's consent facts
 * (consent id, SCA instant, consent end, history) and how the app plans windows with them,
 * refresh (rotating, keeping the SCA instant), the OAuth errors of the redirect back, and
 * the profile and config checks.
 */
import { Redacted } from 'effect';
import { addDays, dateInZone, dateWindow, defaultHistoryLimits, isScaFresh } from '@kinko/domain';
import { ConnectorSetupError, InvalidManifestError, collectPages, errorOutcome, type Grant } from '@kinko/connector-sdk';
import { definePolishApiConnector, polishApi, polishApiConsentInfo, polishApiManifest, type PolishApiConsentInfo } from '../src';
import { CLIENT_ID, PSU, REDIRECT_URI, logIn, newTppKey, startPolishSandbox, type PolishSandbox } from './polish-sandbox';

const info = (grant: Grant): PolishApiConsentInfo => {
  const i = polishApiConsentInfo(grant);
  if (i === undefined) throw new Error('not a PolishAPI grant');
  return i;
};

describe('authorize and token', () => {
  let s: PolishSandbox;
  beforeAll(async () => {
    s = await startPolishSandbox({ type: 'transactions', kind: 'booked', window: { from: addDays(dateInZone(new Date(), 'Europe/Warsaw'), -200), to: addDays(dateInZone(new Date(), 'Europe/Warsaw'), -150) }, count: 3 });
  });
  afterAll(() => s.close());

  it('asks for every AIS privilege with the configured history, our consent id and scopeTimeLimit; the grant records what the bank confirmed', async () => {
    const before = Date.now();
    const { client, grant, granted } = await logIn(s, polishApi, { config: { maxHistoryDays: 400, consentValidityDays: 30 } });
    const after = Date.now();
    const facts = info(grant);
    const consent = s.sandbox.testHooks.consent(facts.consentId, CLIENT_ID);
    expect(consent).toMatchObject({ status: 'valid', scope: 'ais', login: PSU.login, listAccounts: true });
    // The bank confirmed every listing privilege with 400 days, for both accounts the PSU ticked.
    const accounts = Object.values(consent?.accounts ?? {});
    expect(accounts).toHaveLength(2);
    for (const privileges of accounts) {
      for (const p of ['ais:getTransactionsDone', 'ais:getTransactionsPending', 'ais:getTransactionsRejected', 'ais:getTransactionsCancelled', 'ais:getTransactionsScheduled', 'ais:getHolds']) {
        expect(privileges[p as keyof typeof privileges]).toEqual({ scopeUsageLimit: 'multiple', maxAllowedHistoryLong: 400 });
      }
      expect(privileges['ais:getAccount']).toEqual({ scopeUsageLimit: 'multiple' });
      expect(privileges['ais:getTransactionDetail']).toEqual({ scopeUsageLimit: 'multiple' });
    }
    expect(facts.maxHistoryDays).toBe(400);
    expect(facts.lastScaAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(facts.lastScaAt.getTime()).toBeLessThanOrEqual(after);
    expect(facts.expirationDate.toISOString()).toBe(new Date(consent?.scopeTimeLimit as string).toISOString());
    expect(Math.round((facts.expirationDate.getTime() - before) / 86_400_000)).toBe(30);
    // expires_in (3600 s) → accessExpiresAt; refreshing stops working with the consent.
    expect(Math.round(((facts.accessExpiresAt?.getTime() ?? 0) - before) / 1000)).toBeGreaterThanOrEqual(3_599);
    expect(granted.refreshExpiresAt?.toISOString()).toBe(facts.expirationDate.toISOString());
    // The consent id is a UUID the TPP chose, sent in scope_details.
    expect(facts.consentId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const authorize = s.sandbox.requests({ operation: 'POST /v2_1_2.1/auth/v2_1_2.1/authorize' });
    expect(authorize.at(-1)?.params).toMatchObject({ consentId: facts.consentId, scope: 'ais' });
    // Contract v2: the connector itself gives the app these facts (validUntil, last SCA, history).
    expect(polishApi.consentFacts(grant)).toEqual({ validUntil: facts.expirationDate, lastScaAt: facts.lastScaAt, maxHistoryDays: 400 });
    await client.close();
  });

  it('the app plans windows from the grant: full history right after SCA, 90 days after a refresh (the bank refuses more)', async () => {
    const { client, grant } = await logIn(s, polishApi, { config: { maxHistoryDays: 400 } });
    const facts = info(grant);
    const today = dateInZone(new Date(), 'Europe/Warsaw');
    const consent = { maxHistoryDays: facts.maxHistoryDays };
    const bankAccountId = s.bankAccountId as string;
    const limits = { ...defaultHistoryLimits, maxHistoryDays: polishApi.manifest.limits.maxHistoryDays };

    // Right after SCA the whole consented history may be read.
    const afterSca = dateWindow({ kind: 'booked', today, scaJustPerformed: true, daysBack: null, latestFetched: null, consent, limits });
    expect(afterSca.from).toBe(addDays(today, -400));
    const full = await collectPages(client.transactions(grant, { bankAccountId, kind: 'booked', window: afterSca }));
    expect(full.ok && full.value.length).toBe(5); // the scenario's 3 + the two just outside its window
    expect(isScaFresh(facts.lastScaAt, new Date(), polishApi.manifest.limits.scaValidityDays)).toBe(true);

    // A refreshed token carries no SCA: the background window is 90 days, and asking more is refused.
    const renewed = await client.auth.refresh(grant);
    if (!renewed.ok) throw new Error('refresh failed');
    const later = info(renewed.value.grant);
    expect(later).toMatchObject({ consentId: facts.consentId, maxHistoryDays: 400 });
    expect(later.lastScaAt.toISOString()).toBe(facts.lastScaAt.toISOString());
    const background = dateWindow({ kind: 'booked', today, scaJustPerformed: false, daysBack: 365, latestFetched: null, consent, limits });
    expect(background.from).toBe(addDays(today, -90));
    expect((await collectPages(client.transactions(renewed.value.grant, { bankAccountId, kind: 'booked', window: background }))).ok).toBe(true);
    const tooFar = await collectPages(client.transactions(renewed.value.grant, { bankAccountId, kind: 'booked', window: afterSca }));
    expect(tooFar.ok).toBe(false);
    if (!tooFar.ok) {
      expect(tooFar.error).toMatchObject({ _tag: 'BankResponse', status: 403 });
      expect(tooFar.error._tag === 'BankResponse' && JSON.parse(tooFar.error.content)).toMatchObject({ code: 'SCA_REQUIRED' });
      expect(errorOutcome(tooFar.error)).toMatchObject({ scope: 'account', syncErrorType: 'aspspResponse', aspspResponse: { status: '403' } });
    }
    await client.close();
  });

  it('refresh rotates the tokens; the spent refresh token is refused (invalid_grant: ConsentExpired, the user authorises again)', async () => {
    const { client, grant } = await logIn(s, polishApi);
    const renewed = await client.auth.refresh(grant);
    expect(renewed.ok).toBe(true);
    const again = await client.auth.refresh(grant);
    expect(again.ok ? 'ok' : again.error._tag).toBe('ConsentExpired');
    await client.close();
  });

  it("maps the redirect's OAuth errors", async () => {
    const client = polishApi.create({ config: s.config, extraAllowedHosts: s.allowedHosts });
    const complete = (callbackParams: Record<string, string>) =>
      client.auth.complete({ type: 'redirect', callbackParams, redirectUri: REDIRECT_URI, codeVerifier: Redacted.make('unused-by-polishapi') });
    const tag = async (p: Record<string, string>) => {
      const out = await complete(p);
      return out.ok ? 'ok' : out.error._tag;
    };
    expect(await tag({ error: 'access_denied', state: 'x' })).toBe('CredentialsInvalid');
    expect(await tag({ error: 'temporarily_unavailable' })).toBe('ServiceUnavailable');
    expect(await tag({ error: 'server_error' })).toBe('TemporaryError');
    expect(await tag({ error: 'invalid_scope' })).toBe('PermanentError');
    expect(await tag({ state: 'x' })).toBe('CredentialsInvalid');
    // A code the bank never issued (or already spent): invalid_grant.
    expect(await tag({ code: 'not-a-code', state: 'x' })).toBe('CredentialsInvalid');
    await client.close();
  });
});

describe('profile and config', () => {
  it('a per-bank profile: id, hosts from the base URL, booking-date filtering of done, 180-day SCA', () => {
    const ing = definePolishApiConnector({
      id: 'pl-ing',
      displayName: { ja: 'INGバンク・シロンスキ', en: 'ING Bank Śląski', pl: 'ING Bank Śląski' },
      baseUrl: 'https://api.ing.pl:8443/polishapi',
      allowedHosts: ['login.ing.pl'],
      doneDateField: 'bookingDate',
      scaValidityDays: 180,
      pageSize: 200,
    });
    expect(ing.manifest).toMatchObject({
      id: 'pl-ing',
      country: 'PL',
      timeZone: 'Europe/Warsaw',
      currency: 'PLN',
      authFlow: 'redirect',
      allowedHosts: ['api.ing.pl:8443', 'login.ing.pl'],
      capabilities: { accounts: true, balances: true, branches: false, challenges: [], transactions: ['booked', 'pending', 'hold', 'scheduled', 'rejected', 'cancelled'] },
      limits: { maxHistoryDays: 1460, unattendedHistoryDays: 90, scaValidityDays: 180, unattendedAccessesPerDay: 4, pageSize: 200 },
      dateFieldByKind: { booked: 'bookingDate', hold: 'transactionDate', pending: 'transactionDate' },
      deleteIfNotFetched: ['hold', 'pending', 'scheduled'],
    });
    expect(polishApi.manifest.id).toBe('polish-api');
    expect(polishApi.manifest.allowedHosts).toEqual(['*.polishapi.invalid']);
    expect(polishApiManifest({}).dateFieldByKind.booked).toBe('transactionDate');
  });

  it('refuses an impossible profile when defined', () => {
    expect(() => definePolishApiConnector({ maxHistoryDays: 2_000 })).toThrow(InvalidManifestError);
    expect(() => definePolishApiConnector({ unattendedHistoryDays: 500, maxHistoryDays: 400 })).toThrow(InvalidManifestError);
    expect(() => definePolishApiConnector({ baseUrl: 'not a url' })).toThrow(/not a URL/);
    expect(() => definePolishApiConnector({ scaValidityDays: 365 })).toThrow(/1\.\.180/);
  });

  it('refuses an unusable config when created, never quoting the key', () => {
    const key = newTppKey();
    const base = { baseUrl: 'https://api.bank.pl', clientId: 'tpp', signingKey: key.privateJwk };
    expect(() => polishApi.create({ config: base })).not.toThrow();
    const broken = key.privateJwk.replace('"kty":"EC"', '"kty":"XX"');
    const attempt = () => polishApi.create({ config: { ...base, signingKey: broken } });
    expect(attempt).toThrow(ConnectorSetupError);
    try {
      attempt();
    } catch (e) {
      expect(String(e)).not.toContain(key.d);
    }
    const publicOnly = JSON.stringify(key.publicJwk);
    expect(() => polishApi.create({ config: { ...base, signingKey: publicOnly } })).toThrow(/private JWK/);
    expect(() => polishApi.create({ config: { ...base, signingAlgorithm: 'RS256' } })).toThrow(/cannot sign RS256/);
    expect(() => polishApi.create({ config: { ...base, maxHistoryDays: 1_461 } })).toThrow(ConnectorSetupError);
    expect(() => definePolishApiConnector({ maxHistoryDays: 365 }).create({ config: { ...base, maxHistoryDays: 400 } })).toThrow(/exceeds/);
    expect(() => polishApi.create({ config: { ...base, baseUrl: 'https://api.bank.pl/?x=1' } })).toThrow(/query/);
    expect(() => polishApi.create({ config: { ...base, bankSigningKey: '{"kty":"EC"}' } })).toThrow(/bank signing key/);
  });
});
