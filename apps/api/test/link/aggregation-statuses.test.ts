import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { describeWithSharedFile } from '../../../../tools/jest/shared-files';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import {
  LinkBrowser,
  type LinkWorld,
  type LoginResult,
  type VaultRow,
  connectWithCredentials,
  credentialsOf,
  eventually,
  reachStatus,
  startLinkWorld,
  statusOf,
  vaultRows,
} from './harness';

// ONE end-to-end test per aggregation status of the seed (all 23): a net bank persona drives
// a connection there through the API (credential connect, answers, deactivation) over
// loopback HTTP, with the real sync engine, and the vault page — HTML fetched over HTTP
// with the Link session cookie — shows the seed's Japanese label for it.

/** The seed's screen label of each status ("Moneytreeの画面上の表記"), as written there. */
const SEED_LABELS: Readonly<Record<string, string>> = {
  'running.auth': '接続中',
  'running.data': '明細をダウンロード中',
  'running.intelligence': '新しい取引明細を分析中',
  success: 'ただ今更新されました',
  'guest.intervention.required': '直接ログインしてください',
  inactive: '自動更新が無効になっています',
  'suspended.missing-answer.auth.security': '追加情報が必要',
  'suspended.missing-answer.auth.otp': 'ワンタイムパスワードが必要',
  'suspended.missing-answer.auth.captcha': '画像認証が必要',
  'suspended.missing-answer.auth.puzzle': 'パズル認証が必要',
  'auth.creds.invalid': '認証情報に誤りがあります',
  'auth.creds.security.invalid': '認証情報に誤りがあります',
  'auth.creds.otp.invalid': 'ワンタイムパスワードが必要',
  'auth.creds.captcha.invalid': '画像認証に誤りがあります',
  'auth.creds.puzzle.invalid': 'パズル認証に誤りがあります',
  'auth.creds.locked.temporary': 'ロックされています',
  'auth.creds.locked.permanent': 'ロックされています',
  'error.service.unavailable': '金融機関がメンテナンス中',
  'error.session': 'ログアウトしてください',
  'error.network': '一時的な接続エラー',
  'error.temporary': '一時的な接続エラー',
  'error.permanent': '一時的な接続エラー',
  'error.unsupported': '一時的な接続エラー',
};
/** The relative form of `success` a few minutes on, as the seed writes it. */
const SUCCESS_MINUTES_AGO = '3分前に更新されました';

// The labels above are the seed's own wording (the one test that reads ../shared: skipped,
// with the reason, where ../shared is absent; the persona tests below run either way).
describeWithSharedFile('seeds/aggregation-status.ja.txt', 'the labels this suite expects are the seed file’s', (seedFile) => {
  it('every label of the table, and the “minutes ago” form, is written in the seed', () => {
    const seed = seedFile.text();
    for (const label of [...Object.values(SEED_LABELS), SUCCESS_MINUTES_AGO]) expect(seed).toContain(label);
  });
});

describe('every aggregation status, driven by a persona and shown on the vault page', () => {
  let db: TestDatabase;
  let world: LinkWorld;
  let browser: LinkBrowser;
  const covered = new Set<string>();

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db);
    browser = new LinkBrowser(world.base);
    const vault = await browser.enter(await world.mintToken(), 'ja');
    expect(vault.status).toBe(200);
  });
  afterAll(async () => {
    await world?.close();
    await db?.drop();
  });

  // Answered at once (202, running.auth); the login is followed through the connection.
  const connect = (persona: string, password?: string): Promise<LoginResult> => connectWithCredentials(world, credentialsOf(world.netbank, persona, password));
  const answer = async (connectionId: string, text: string) => world.api<LoginResult>('POST', `/api/v2/connections/${connectionId}/challenge`, { answer: text });

  /** The vault row of a connection, fetched over HTTP; it must show `status` with the seed's label. */
  const expectVault = async (connectionId: string, status: string, label = SEED_LABELS[status] as string): Promise<VaultRow> => {
    const page = await browser.get('/link/vault');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const row = vaultRows(page.text).find((r) => r.id === connectionId);
    if (!row) throw new Error(`the vault does not list ${connectionId}`);
    expect({ status: row.status, label: row.label }).toEqual({ status, label });
    const api = await world.api<{ aggregationStatus: string; aggregationStatusLabel: string }>('GET', `/api/v2/connections/${connectionId}?lang=ja`);
    expect(api.json.aggregationStatus).toBe(status);
    covered.add(status);
    return row;
  };

  /** The newest connection of the user (one being created by a request still in flight). */
  const newestConnection = (): Promise<string> =>
    eventually('a new connection', async () => {
      const rows = (await world.ds.query(`SELECT id FROM connections WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, [world.scope.userId])) as Array<{ id: string }>;
      return rows[0]?.id;
    });
  const connectionCount = async (): Promise<number> => Number(((await world.ds.query(`SELECT count(*)::int AS n FROM connections WHERE user_id = $1`, [world.scope.userId])) as Array<{ n: number }>)[0]?.n);

  it('running.auth: logging in at the bank (the bank slowed down) shows 接続中', async () => {
    const before = await connectionCount();
    world.netbank.knobs.faults.set({ latencyMs: 1_500, operations: ['POST /login'] });
    try {
      const pending = connect('happy');
      await eventually('the connection being created', async () => ((await connectionCount()) > before ? true : undefined));
      const id = await newestConnection();
      expect(await statusOf(world.ds, id)).toBe('running.auth');
      await expectVault(id, 'running.auth');
      expect((await pending).outcome).toBe('granted');
      await reachStatus(world, id, 'success');
    } finally {
      world.netbank.knobs.faults.reset();
    }
  });

  it('running.data: downloading (the account list slowed down) shows 明細をダウンロード中', async () => {
    const login = await connect('happy');
    expect(login.outcome).toBe('granted');
    world.netbank.knobs.faults.set({ latencyMs: 2_000, operations: ['GET /accounts'] });
    try {
      await reachStatus(world, login.connectionId, 'running.data');
      await expectVault(login.connectionId, 'running.data');
    } finally {
      world.netbank.knobs.faults.reset();
    }
    await reachStatus(world, login.connectionId, 'success');
  });

  it('running.intelligence: processing (daily balances held by a lock) shows 新しい取引明細を分析中', async () => {
    const locker = new Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE daily_balances IN SHARE MODE');
      const login = await connect('happy');
      await reachStatus(world, login.connectionId, 'running.intelligence');
      await expectVault(login.connectionId, 'running.intelligence');
      await locker.query('ROLLBACK');
      await reachStatus(world, login.connectionId, 'success');
      // The history shows the whole run, in order.
      const history = (await world.ds.query(`SELECT status FROM connection_status_history WHERE connection_id = $1 ORDER BY changed_at, id`, [login.connectionId])) as Array<{ status: string }>;
      expect(history.map((h) => h.status)).toEqual(['running.auth', 'running.data', 'running.intelligence', 'success']);
    } finally {
      await locker.end();
    }
  });

  it('success: after a completed sync, ただ今更新されました, then 3分前に更新されました', async () => {
    const login = await connect('happy');
    await reachStatus(world, login.connectionId, 'success');
    await expectVault(login.connectionId, 'success');
    world.clock.advance(3 * 60_000 + 5_000);
    const row = await expectVault(login.connectionId, 'success', SUCCESS_MINUTES_AGO);
    expect(row.nextAction).toBe('none');
  });

  it('guest.intervention.required: new terms wait at the bank → 直接ログインしてください, with a link to the bank’s own login', async () => {
    const login = await connect('terms');
    expect(login).toMatchObject({ outcome: 'failed', aggregationStatus: 'guest.intervention.required' });
    const row = await expectVault(login.connectionId, 'guest.intervention.required');
    expect(row.html).toContain(`href="${world.netbank.url}/direct/login"`);
  });

  it('inactive: deactivated through the API → 自動更新が無効になっています; reactivated from the vault', async () => {
    const login = await connect('happy');
    await reachStatus(world, login.connectionId, 'success');
    const off = await world.api('POST', `/api/v2/connections/${login.connectionId}/deactivate`);
    expect(off.status).toBe(200);
    const row = await expectVault(login.connectionId, 'inactive');
    expect(row.nextAction).toBe('reactivate');
    const on = await browser.post(`/link/connections/${login.connectionId}/reactivate`, {});
    expect(on.status).toBe(303);
    expect(await statusOf(world.ds, login.connectionId)).toBe('success');
  });

  it.each([
    ['security', 'suspended.missing-answer.auth.security'],
    ['otp', 'suspended.missing-answer.auth.otp'],
    ['captcha', 'suspended.missing-answer.auth.captcha'],
    ['puzzle', 'suspended.missing-answer.auth.puzzle'],
  ])('%s: the bank asks → %s, and the challenge can be read through the API', async (persona, status) => {
    const login = await connect(persona);
    expect(login).toMatchObject({ outcome: 'challenge', aggregationStatus: status, challenge: { kind: persona } });
    const row = await expectVault(login.connectionId, status);
    expect(row.nextAction).toBe(persona === 'puzzle' ? 'answer-at-link-page' : 'answer-challenge');
    const challenge = await world.api<{ kind: string; prompt: string; image: { dataUrl: string } | null; answerVia: string }>('GET', `/api/v2/connections/${login.connectionId}/challenge`);
    expect(challenge.status).toBe(200);
    expect(challenge.json.kind).toBe(persona);
    if (persona === 'captcha' || persona === 'puzzle') expect(challenge.json.image?.dataUrl).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    if (persona === 'security') expect(world.netbank.persona('security').secretQuestions.map((q) => q.question)).toContain(challenge.json.prompt);
    expect(challenge.json.answerVia).toBe(persona === 'puzzle' ? 'link-page' : 'api');
  });

  it('auth.creds.invalid: a wrong password → 認証情報に誤りがあります', async () => {
    const login = await connect('otp-opt-in', 'not-the-password');
    expect(login).toMatchObject({ outcome: 'failed', aggregationStatus: 'auth.creds.invalid' });
    const row = await expectVault(login.connectionId, 'auth.creds.invalid');
    expect(row.nextAction).toBe('re-enter-credentials');
  });

  it('auth.creds.security.invalid: a wrong secret answer → 認証情報に誤りがあります', async () => {
    const login = await connect('security');
    const wrong = await answer(login.connectionId, 'まちがい');
    expect(wrong.json).toMatchObject({ outcome: 'failed', aggregationStatus: 'auth.creds.security.invalid' });
    await expectVault(login.connectionId, 'auth.creds.security.invalid');
  });

  it('auth.creds.otp.invalid: a wrong one-time password → ワンタイムパスワードが必要', async () => {
    const login = await connect('otp');
    const wrong = await answer(login.connectionId, '000000');
    expect(wrong.json).toMatchObject({ outcome: 'failed', aggregationStatus: 'auth.creds.otp.invalid' });
    await expectVault(login.connectionId, 'auth.creds.otp.invalid');
  });

  it('auth.creds.captcha.invalid: a wrong CAPTCHA answer → 画像認証に誤りがあります', async () => {
    const login = await connect('captcha');
    const wrong = await answer(login.connectionId, 'WRONG1');
    expect(wrong.json).toMatchObject({ outcome: 'failed', aggregationStatus: 'auth.creds.captcha.invalid' });
    await expectVault(login.connectionId, 'auth.creds.captcha.invalid');
  });

  it('auth.creds.puzzle.invalid: the API refuses a puzzle; a wrong offset on the Link page → パズル認証に誤りがあります', async () => {
    const login = await connect('puzzle');
    const refused = await answer(login.connectionId, '42');
    expect(refused.status).toBe(409);
    expect((refused.json as unknown as { type: string }).type).toBe('https://kinko.dev/problems/link-page-only');
    expect(await statusOf(world.ds, login.connectionId)).toBe('suspended.missing-answer.auth.puzzle');
    const page = await browser.get(`/link/connections/${login.connectionId}`);
    expect(page.text).toContain('data-challenge-kind="puzzle"');
    const posted = await browser.post(`/link/connections/${login.connectionId}/challenge`, { answer: '1999' });
    expect(posted.status).toBe(303);
    await expectVault(login.connectionId, 'auth.creds.puzzle.invalid');
  });

  it('auth.creds.locked.temporary: a temporarily locked login → ロックされています', async () => {
    const login = await connect('locked-temporary');
    expect(login).toMatchObject({ outcome: 'failed', aggregationStatus: 'auth.creds.locked.temporary' });
    await expectVault(login.connectionId, 'auth.creds.locked.temporary');
  });

  it('auth.creds.locked.permanent: a permanently locked login → ロックされています', async () => {
    const login = await connect('locked');
    expect(login).toMatchObject({ outcome: 'failed', aggregationStatus: 'auth.creds.locked.permanent' });
    const row = await expectVault(login.connectionId, 'auth.creds.locked.permanent');
    expect(row.nextAction).toBe('contact-bank-then-reenter');
  });

  it('error.service.unavailable: maintenance → 金融機関がメンテナンス中', async () => {
    const login = await connect('maintenance');
    expect(login).toMatchObject({ outcome: 'failed', aggregationStatus: 'error.service.unavailable' });
    await expectVault(login.connectionId, 'error.service.unavailable');
  });

  it('error.session: logged in elsewhere → ログアウトしてください', async () => {
    const login = await connect('double-login');
    expect(login).toMatchObject({ outcome: 'failed', aggregationStatus: 'error.session' });
    await expectVault(login.connectionId, 'error.session');
  });

  it('error.network: the bank cuts the connection → 一時的な接続エラー', async () => {
    const login = await connect('dropped');
    expect(login).toMatchObject({ outcome: 'failed', aggregationStatus: 'error.network' });
    await expectVault(login.connectionId, 'error.network');
  });

  it('error.temporary: the bank answers 500 → 一時的な接続エラー', async () => {
    const login = await connect('broken');
    await reachStatus(world, login.connectionId, 'error.temporary', 60_000);
    await expectVault(login.connectionId, 'error.temporary');
  });

  it('error.permanent: a page the connector does not recognise → 一時的な接続エラー', async () => {
    const login = await connect('new-layout');
    await reachStatus(world, login.connectionId, 'error.permanent');
    await expectVault(login.connectionId, 'error.permanent');
  });

  it('error.unsupported: logged in, but no account can be read online → 一時的な接続エラー', async () => {
    const login = await connect('unsupported');
    await reachStatus(world, login.connectionId, 'error.unsupported');
    await expectVault(login.connectionId, 'error.unsupported');
  });

  it('covered all 23 statuses of the seed', () => {
    expect([...covered].sort()).toEqual(Object.keys(SEED_LABELS).sort());
    expect(Object.keys(SEED_LABELS)).toHaveLength(23);
  });
});
