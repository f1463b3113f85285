import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { POLISH_API_PERSONAS } from '@kinko/sandbox-bank';
import { WebhookWorker } from '../../src/webhooks/webhook-worker';
import { BANK_ID, type ConnectedUser, type PolishWorld, startPolishWorld } from '../e2e/polish-harness';
import { type Receiver, eventually, startReceiver } from './receiver';

// The bank ends the consent, not the user (issue 14 §2): through the API on real PostgreSQL,
// the PolishAPI sandbox over loopback, a receiver on 127.0.0.1 verifying every signature with
// the `standardwebhooks` package. The PSU deletes the consent at the bank → the next sync
// finds it revoked → `consent.revoked` by the bank, exactly once. The bank ending it early
// (persona `konczy`) → `consent.expired` once, no `consent.revoked`.

const MINUTE = 60_000;
const TYPES = ['consent.revoked', 'consent.expired', 'consent.expiring', 'sync.finished'];
const quiet = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('webhooks: the bank ends the consent', () => {
  let w: PolishWorld;
  let r: Receiver;

  beforeAll(async () => {
    w = await startPolishWorld({
      users: POLISH_API_PERSONAS.filter((p) => p.login === 'jan' || p.login === 'konczy').map((p) => p.user),
      seed: 'webhooks-bank-consent-end',
      webhookSettings: { allowPrivateNetworks: true, retryLimit: 1, retryDelaySeconds: 1, pollingIntervalSeconds: 0.5, timeoutMs: 2_000 },
    });
    await w.app.get(WebhookWorker).start();
    r = await startReceiver();
    const created = await w.call<{ secret: string }>('POST', '/api/v2/tenant/webhooks', w.apiKey, { url: r.url, eventTypes: TYPES });
    expect(created.status).toBe(201);
    r.secret = created.json.secret;
  }, 120_000);
  afterAll(async () => {
    await r?.close();
    await w?.close();
  });

  /** The bank's own consent id of the persona's (only) consent. */
  const bankConsentOf = (login: string): string => {
    const mine = w.sandbox.testHooks.consents().filter((c) => c.login === login);
    expect(mine).toHaveLength(1);
    return mine[0]!.consentId;
  };
  const ofUser = (type: string, user: ConnectedUser) => r.accepted(type).filter((x) => x.data?.['connectionId'] === user.connectionId);

  it('the PSU deletes the consent at the bank: the next sync → consent.revoked by the bank, once, ids only', async () => {
    const user = await w.connectUser('jan-user', 'jan');
    await eventually('first sync.finished', () => ofUser('sync.finished', user), (x) => x.length === 1);
    expect(ofUser('consent.revoked', user)).toHaveLength(0);

    w.sandbox.testHooks.deleteConsent(bankConsentOf('jan'));
    w.clock.advance(MINUTE);
    await w.sync(user);
    const revoked = await eventually('consent.revoked', () => ofUser('consent.revoked', user), (x) => x.length >= 1);
    expect(revoked[0]!.data).toEqual({ userId: user.userId, connectionId: user.connectionId, consentId: user.consentId, by: 'bank' });
    // Kinko's consent as the API shows it: revoked, reason RevokedByUser (the PSU, at the bank).
    const consent = await w.call<{ status: string }>('GET', `/api/v2/consents/${user.consentId}`, user.token);
    expect(consent.json).toMatchObject({ status: 'revokedByUser' });

    // Later reads and sync attempts find it revoked again: no second event for that cause.
    w.clock.advance(MINUTE);
    const again = await w.call('POST', `/api/v2/bank/${BANK_ID}/sync`, user.token, {});
    expect(again.status).toBe(409);
    await w.accounts(user.token);
    await w.call('GET', '/api/v2/consents', user.token);
    await quiet(2_000);
    expect(ofUser('consent.revoked', user)).toHaveLength(1);
    expect(ofUser('consent.expired', user)).toHaveLength(0);
    expect(r.received.every((x) => x.verified)).toBe(true);
    // No bank data in any payload (ids, statuses and counts only): no amounts, names, descriptions or account numbers.
    const payloads = JSON.stringify(r.received.map((x) => x.data));
    expect(payloads).not.toMatch(/amount|description|accountNumber|iban|Kowalski|Konto/i);
    for (const a of w.sandbox.truth.accounts('jan')) expect(payloads).not.toContain(a.accountNumber.replace(/\D/g, '').slice(-10));
  }, 60_000);

  it('konczy: the bank ends the consent 2 minutes after it is given → consent.expired once, no consent.revoked', async () => {
    const user = await w.connectUser('konczy-user', 'konczy');
    w.clock.advance(3 * MINUTE);
    await w.sync(user);
    const expired = await eventually('consent.expired', () => ofUser('consent.expired', user), (x) => x.length >= 1);
    expect(expired[0]!.data).toMatchObject({ userId: user.userId, connectionId: user.connectionId, consentId: user.consentId });
    await w.accounts(user.token);
    await quiet(2_000);
    expect(ofUser('consent.expired', user)).toHaveLength(1);
    expect(ofUser('consent.revoked', user)).toHaveLength(0);
  }, 60_000);
});
