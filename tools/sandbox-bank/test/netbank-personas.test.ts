/**
 * Every built-in persona produces the situation it is documented for: a small reader
 * that maps pages to aggregation statuses only by the stable markers (what a connector
 * does) logs in as each persona, and the statuses met cover every status of the seed a
 * bank can cause. The README's persona table is checked against the personas too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { knownAggregationStatuses, type KnownAggregationStatus } from '@kinko/domain';
import { manualClock } from '../src/clock';
import { DEFAULT_NETBANK_PERSONAS, NETBANK_SESSION_COOKIE, startNetbankSandbox, type NetbankSandbox } from '../src/netbank';
import { Browser, login, type Page } from './netbank-browser';

const CHALLENGE_STATUS: Record<string, KnownAggregationStatus> = {
  security: 'suspended.missing-answer.auth.security',
  otp: 'suspended.missing-answer.auth.otp',
  captcha: 'suspended.missing-answer.auth.captcha',
  puzzle: 'suspended.missing-answer.auth.puzzle',
};

const FAILURE_STATUS: Record<string, KnownAggregationStatus> = {
  credentials: 'auth.creds.invalid',
  security: 'auth.creds.security.invalid',
  otp: 'auth.creds.otp.invalid',
  captcha: 'auth.creds.captcha.invalid',
  puzzle: 'auth.creds.puzzle.invalid',
};

const PAGE_STATUS: Record<string, KnownAggregationStatus> = {
  terms: 'guest.intervention.required',
  maintenance: 'error.service.unavailable',
  'double-login': 'error.session',
  'locked-temporary': 'auth.creds.locked.temporary',
  'locked-permanent': 'auth.creds.locked.permanent',
  'system-error': 'error.temporary',
};

/** What a connector would conclude from a page, using nothing but the markers. */
async function statusOf(b: Browser, page: Page): Promise<KnownAggregationStatus> {
  const marker = page.marker;
  if (marker === undefined) return 'error.permanent';
  const challenge = CHALLENGE_STATUS[marker];
  if (challenge) return challenge;
  if (marker === 'login-error') return FAILURE_STATUS[page.$('body').attr('data-error') ?? ''] ?? 'error.permanent';
  const status = PAGE_STATUS[marker];
  if (status) return status;
  if (marker !== 'accounts') return 'error.permanent';
  for (const href of page.$('[data-table="accounts"] tr[data-account-id] a[data-link="detail"]').toArray().map((a) => page.$(a).attr('href') as string)) {
    const detail = await b.get(href);
    if (detail.marker === 'account-unavailable') return 'error.unsupported';
    if (detail.marker !== 'account-detail') return 'error.permanent';
  }
  return 'success';
}

/** Logs in and reads the outcome; a cut connection is a network error, a timeout a temporary one. */
async function attempt(b: Browser, id: string, password: string): Promise<KnownAggregationStatus> {
  try {
    return await statusOf(b, await login(b, { id, password }, { timeoutMs: 2_000 }));
  } catch (e) {
    const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'error.temporary';
    if (/terminated|other side closed|ECONNRESET|UND_ERR_SOCKET/i.test(`${err.message} ${err.cause?.message} ${err.cause?.code}`)) return 'error.network';
    throw e;
  }
}

describe('net bank personas', () => {
  let sandbox: NetbankSandbox;

  beforeAll(async () => {
    sandbox = await startNetbankSandbox({ seed: 'persona-tests', clock: manualClock('2026-11-21T03:00:00Z'), testHooks: true, slowMs: 20_000 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('has unique ids and documents what each persona produces', () => {
    const ids = DEFAULT_NETBANK_PERSONAS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of DEFAULT_NETBANK_PERSONAS) {
      expect(p.produces).toBeDefined();
      expect(p.summary).toBeTruthy();
    }
  });

  it.each(DEFAULT_NETBANK_PERSONAS.map((p) => [p.id, p.produces] as const))('%s → %s', async (id, produces) => {
    const password = sandbox.persona(id).password;
    if (id === 'rapid') {
      for (let i = 0; i < 3; i++) expect(await attempt(new Browser(sandbox.url), id, password)).toBe('success');
    }
    expect(await attempt(new Browser(sandbox.url), id, password)).toBe(produces);
  });

  it('otp-opt-in asks for the OTP once the user enabled it', async () => {
    sandbox.knobs.setOtpEnabled('otp-opt-in', true);
    try {
      expect(await attempt(new Browser(sandbox.url), 'otp-opt-in', 'pass-otp-opt-in')).toBe('suspended.missing-answer.auth.otp');
    } finally {
      sandbox.knobs.setOtpEnabled('otp-opt-in', false);
    }
  });

  it('together with wrong answers, the personas reach every status a bank can cause', async () => {
    const reached = new Set<KnownAggregationStatus>(DEFAULT_NETBANK_PERSONAS.map((p) => p.produces as KnownAggregationStatus));
    reached.add(await attempt(new Browser(sandbox.url), 'happy', 'wrong-password'));
    const wrong: Record<string, [string, Record<string, string>]> = {
      security: ['securityForm', { answer: 'まちがい' }],
      otp: ['otpForm', { otp: '000000' }],
      captcha: ['captchaForm', { captcha: '?????' }],
      puzzle: ['puzzleForm', { offset: '9999' }],
    };
    for (const [id, [form, fields]] of Object.entries(wrong)) {
      const b = new Browser(sandbox.url);
      const page = await login(b, { id, password: `pass-${id}` });
      expect(b.cookie(NETBANK_SESSION_COOKIE)).toBeDefined();
      reached.add(await statusOf(b, await b.submit(page, form, fields)));
    }
    // Run states and `inactive` belong to the aggregator, not to the bank.
    const fromBank = knownAggregationStatuses.filter((s) => !s.startsWith('running.') && s !== 'inactive');
    expect([...reached].sort()).toEqual([...fromBank].sort());
  });

  it('the README lists every persona with its password, login account and status', () => {
    const readme = readFileSync(path.resolve(__dirname, '../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Net bank personas'));
    expect(section.length).toBeGreaterThan(100);
    for (const p of sandbox.personas) {
      const row = section.split('\n').find((line) => line.startsWith(`| \`${p.id}\` |`));
      expect(row).toBeDefined();
      expect(row).toContain(`\`${p.password}\``);
      expect(row).toContain(`${p.branchCode}-${p.accountNumber}`);
      expect(row).toContain(`\`${p.produces}\``);
    }
  });
});
