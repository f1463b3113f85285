/**
 * The net bank's login over real HTTP: both ways to log in, session cookies, wrong
 * passwords, permanent and temporary lockouts, double login, maintenance hours and
 * idle sessions — with an injected clock.
 */
import { manualClock, type ManualClock } from '../src/clock';
import { NETBANK_SESSION_COOKIE, startNetbankSandbox, type NetbankSandbox } from '../src/netbank';
import { Browser, login } from './netbank-browser';

// 12:00 in Tokyo.
const START = '2026-11-21T03:00:00Z';

describe('net bank login', () => {
  let clock: ManualClock;
  let sandbox: NetbankSandbox;

  beforeEach(async () => {
    clock = manualClock(START);
    sandbox = await startNetbankSandbox({ seed: 'login-tests', clock, testHooks: true });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  const browser = () => new Browser(sandbox.url);

  it('serves a login form with both ways to log in and a session cookie', async () => {
    const b = browser();
    const page = await b.get('/login');
    expect(page.status).toBe(200);
    expect(page.marker).toBe('login');
    const form = page.$('form[name="loginForm"]');
    expect(form.attr('method')).toBe('post');
    for (const name of ['token', 'userId', 'branchCode', 'accountNumber', 'password']) expect(form.find(`input[name="${name}"]`)).toHaveLength(1);
    expect(page.$('title').text()).toContain(sandbox.bankName);
    expect(b.cookie(NETBANK_SESSION_COOKIE)).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  });

  it('names itself 横浜銀行, The Bank of Yokohama in Latin script; a configured bank keeps its own names', async () => {
    expect(sandbox.bankName).toBe('横浜銀行');
    expect(sandbox.englishName).toBe('The Bank of Yokohama');
    const other = await startNetbankSandbox({ seed: 'login-tests', clock, bankCode: '0001', personas: [] });
    const named = await startNetbankSandbox({ seed: 'login-tests', clock, bankName: '架空銀行', englishName: 'Fictional Bank' });
    try {
      expect([other.bankName, other.englishName]).toEqual(['みずほ銀行', 'みずほ銀行']);
      expect([named.bankName, named.englishName]).toEqual(['架空銀行', 'Fictional Bank']);
    } finally {
      await Promise.all([other.close(), named.close()]);
    }
  });

  it('logs in with the user id and lands on the account list under a new session id', async () => {
    const b = browser();
    await b.get('/login');
    const before = b.cookie(NETBANK_SESSION_COOKIE);
    const page = await login(b, { id: 'happy', password: 'pass-happy' });
    expect(page.marker).toBe('accounts');
    expect(page.path).toBe('/accounts');
    expect(b.cookie(NETBANK_SESSION_COOKIE)).toBeDefined();
    expect(b.cookie(NETBANK_SESSION_COOKIE)).not.toBe(before);
    expect(page.$('[data-table="accounts"] tr[data-account-id]')).toHaveLength(sandbox.persona('happy').accounts.length);
  });

  it('logs in with branch code + account number', async () => {
    const p = sandbox.persona('happy');
    expect(p.branchCode).toBe('200');
    expect(p.accountNumber).toBe('1000001');
    const page = await login(browser(), { branchCode: '200', accountNumber: '1000001', password: 'pass-happy' });
    expect(page.marker).toBe('accounts');
    const wrongBranch = await login(browser(), { branchCode: '310', accountNumber: '1000001', password: 'pass-happy' });
    expect(wrongBranch.marker).toBe('login-error');
    expect(wrongBranch.$('body').attr('data-error')).toBe('credentials');
  });

  it('answers a wrong password or an unknown user with the credentials error page', async () => {
    const wrong = await login(browser(), { id: 'happy', password: 'nope' });
    expect(wrong.marker).toBe('login-error');
    expect(wrong.$('body').attr('data-error')).toBe('credentials');
    expect(wrong.$('body').attr('data-timeout')).toBe('false');
    expect(wrong.$('[role="alert"]').text()).toContain('ログインIDまたはパスワードが正しくありません');
    expect(wrong.html).toContain('あと4回');
    const unknown = await login(browser(), { id: 'nobody', password: 'x' });
    expect(unknown.marker).toBe('login-error');
    expect(unknown.$('body').attr('data-error')).toBe('credentials');
  });

  it('refuses a login form posted without its session (stale or missing token)', async () => {
    const b = browser();
    const page = await b.post('/login', { loginType: 'id', userId: 'happy', password: 'pass-happy', token: 'forged' });
    expect(page.marker).toBe('session-expired');
  });

  it('locks a user permanently after 5 wrong passwords in a row; the right password no longer helps', async () => {
    for (let i = 1; i <= 4; i++) {
      const page = await login(browser(), { id: 'security', password: `wrong-${i}` });
      expect(page.marker).toBe('login-error');
    }
    const fifth = await login(browser(), { id: 'security', password: 'wrong-5' });
    expect(fifth.marker).toBe('locked-permanent');
    expect(fifth.$('[role="alert"]').text()).toContain('ロックされています。お問い合わせください');
    const right = await login(browser(), { id: 'security', password: 'pass-security' });
    expect(right.marker).toBe('locked-permanent');
    clock.advance(30 * 86_400_000);
    expect((await login(browser(), { id: 'security', password: 'pass-security' })).marker).toBe('locked-permanent');
    sandbox.knobs.unlock('security');
    expect((await login(browser(), { id: 'security', password: 'pass-security' })).marker).toBe('security');
  });

  it('resets the wrong-password count after a successful login', async () => {
    for (let i = 0; i < 4; i++) await login(browser(), { id: 'happy', password: 'wrong' });
    expect((await login(browser(), { id: 'happy', password: 'pass-happy' })).marker).toBe('accounts');
    for (let i = 0; i < 4; i++) expect((await login(browser(), { id: 'happy', password: 'wrong' })).marker).toBe('login-error');
  });

  it('shows the permanent-lock page for the locked persona', async () => {
    const page = await login(browser(), { id: 'locked', password: 'pass-locked' });
    expect(page.marker).toBe('locked-permanent');
  });

  it('locks temporarily after more than 3 logins within 60 s, for 10 minutes by the clock', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await login(browser(), { id: 'rapid', password: 'pass-rapid' })).marker).toBe('accounts');
      clock.advance(10_000);
    }
    const fourth = await login(browser(), { id: 'rapid', password: 'pass-rapid' });
    expect(fourth.marker).toBe('locked-temporary');
    expect(fourth.$('h1').text()).toContain('一時的にロック');
    const until = fourth.$('body').attr('data-locked-until');
    expect(until).toBe(new Date(clock().getTime() + 600_000).toISOString());
    // 12:00:30 JST + 10 min, as the bank writes it.
    expect(fourth.html).toContain('2026年11月21日 12:10');
    clock.advance(599_000);
    expect((await login(browser(), { id: 'rapid', password: 'pass-rapid' })).marker).toBe('locked-temporary');
    clock.advance(2_000);
    expect((await login(browser(), { id: 'rapid', password: 'pass-rapid' })).marker).toBe('accounts');
  });

  it('does not lock when the logins are spread out', async () => {
    for (let i = 0; i < 6; i++) {
      expect((await login(browser(), { id: 'rapid', password: 'pass-rapid' })).marker).toBe('accounts');
      clock.advance(25_000);
    }
  });

  it('shows the temporary-lock page for the locked-temporary persona until the lock time passes', async () => {
    expect((await login(browser(), { id: 'locked-temporary', password: 'pass-locked-temporary' })).marker).toBe('locked-temporary');
    clock.advance(1800_000);
    expect((await login(browser(), { id: 'locked-temporary', password: 'pass-locked-temporary' })).marker).toBe('accounts');
  });

  it('shows 二重ログイン while the user is logged in elsewhere', async () => {
    const page = await login(browser(), { id: 'double-login', password: 'pass-double-login' });
    expect(page.marker).toBe('double-login');
    expect(page.$('h1').text()).toContain('二重ログイン');
    sandbox.knobs.setLoggedInElsewhere('double-login', false);
    expect((await login(browser(), { id: 'double-login', password: 'pass-double-login' })).marker).toBe('accounts');
  });

  it('with the reject policy, a second login while a session is live is a double login until logout', async () => {
    sandbox.knobs.setConcurrentLogin('reject');
    const first = browser();
    expect((await login(first, { id: 'happy', password: 'pass-happy' })).marker).toBe('accounts');
    expect((await login(browser(), { id: 'happy', password: 'pass-happy' })).marker).toBe('double-login');
    const out = await first.get('/logout');
    expect(out.marker).toBe('logout');
    expect(first.cookie(NETBANK_SESSION_COOKIE)).toBeUndefined();
    expect((await login(browser(), { id: 'happy', password: 'pass-happy' })).marker).toBe('accounts');
  });

  it('with the reject policy, an abandoned session blocks logins until it idles out', async () => {
    sandbox.knobs.setConcurrentLogin('reject');
    expect((await login(browser(), { id: 'happy', password: 'pass-happy' })).marker).toBe('accounts');
    clock.advance(300_000);
    expect((await login(browser(), { id: 'happy', password: 'pass-happy' })).marker).toBe('double-login');
    clock.advance(600_000);
    expect((await login(browser(), { id: 'happy', password: 'pass-happy' })).marker).toBe('accounts');
  });

  it('by default a new login ends the older session', async () => {
    const first = browser();
    await login(first, { id: 'happy', password: 'pass-happy' });
    await login(browser(), { id: 'happy', password: 'pass-happy' });
    expect((await first.get('/accounts')).marker).toBe('session-expired');
  });

  it('ends idle sessions (knob: sessionIdleSeconds)', async () => {
    const b = browser();
    await login(b, { id: 'happy', password: 'pass-happy' });
    clock.advance(599_000);
    expect((await b.get('/accounts')).marker).toBe('accounts');
    clock.advance(599_000);
    expect((await b.get('/accounts')).marker).toBe('accounts');
    clock.advance(600_000);
    expect((await b.get('/accounts')).marker).toBe('session-expired');
    sandbox.knobs.setSessionIdleSeconds(5);
    await login(b, { id: 'happy', password: 'pass-happy' });
    clock.advance(5_000);
    expect((await b.get('/accounts')).marker).toBe('session-expired');
  });

  it('logs out: the session cookie is cleared and the old session id is dead', async () => {
    const b = browser();
    await login(b, { id: 'happy', password: 'pass-happy' });
    const id = b.cookie(NETBANK_SESSION_COOKIE) as string;
    await b.post('/logout', {});
    const replay = new Browser(sandbox.url);
    replay.jar.set(NETBANK_SESSION_COOKIE, id);
    expect((await replay.get('/accounts')).marker).toBe('session-expired');
  });

  it('requires a login for the account pages', async () => {
    expect((await browser().get('/accounts')).marker).toBe('session-expired');
    const id = sandbox.persona('happy').accounts[0]?.id as string;
    expect((await browser().get(`/accounts/${id}`)).marker).toBe('session-expired');
  });

  it('shows the maintenance page with 503 + Retry-After inside the configured hours (bank zone, injected clock)', async () => {
    await sandbox.close();
    clock = manualClock('2026-11-21T16:30:00Z'); // 01:30 JST
    sandbox = await startNetbankSandbox({ seed: 'login-tests', clock, maintenance: { windows: [{ from: '02:00', to: '05:00' }] } });
    expect((await browser().get('/login')).marker).toBe('login');
    clock.set('2026-11-21T17:00:00Z'); // 02:00 JST
    const page = await browser().get('/login');
    expect(page.status).toBe(503);
    expect(page.marker).toBe('maintenance');
    expect(page.headers.get('retry-after')).toBe(String(3 * 3600));
    expect(page.$('[data-maintenance-until]').text()).toBe('2026年11月22日 05:00');
    clock.set('2026-11-21T19:59:59Z'); // 04:59:59 JST
    expect((await browser().get('/login')).marker).toBe('maintenance');
    clock.set('2026-11-21T20:00:00Z'); // 05:00 JST
    expect((await browser().get('/login')).marker).toBe('login');
  });

  it('handles windows over midnight on given weekdays, and the knob changes them at run time', async () => {
    // Sunday 21:00 to Monday 06:00; 2026-11-22 is a Sunday.
    sandbox.knobs.setMaintenance({ windows: [{ from: '21:00', to: '06:00', days: [0] }] });
    clock.set('2026-11-22T11:59:00Z'); // Sunday 20:59 JST
    expect((await browser().get('/login')).marker).toBe('login');
    clock.set('2026-11-22T12:00:00Z'); // Sunday 21:00 JST
    expect((await browser().get('/login')).marker).toBe('maintenance');
    clock.set('2026-11-22T20:30:00Z'); // Monday 05:30 JST
    const monday = await browser().get('/login');
    expect(monday.marker).toBe('maintenance');
    expect(monday.headers.get('retry-after')).toBe('1800');
    clock.set('2026-11-23T12:00:00Z'); // Monday 21:00 JST: not a Sunday
    expect((await browser().get('/login')).marker).toBe('login');
    sandbox.knobs.setMaintenance({ forced: true });
    const forced = await browser().get('/login');
    expect(forced.marker).toBe('maintenance');
    expect(forced.headers.get('retry-after')).toBeNull();
  });

  it('maintenance also stops a logged-in session', async () => {
    const b = browser();
    await login(b, { id: 'happy', password: 'pass-happy' });
    sandbox.knobs.setMaintenance({ forced: true });
    expect((await b.get('/accounts')).marker).toBe('maintenance');
    sandbox.knobs.setMaintenance({ forced: false });
    expect((await b.get('/accounts')).marker).toBe('accounts');
  });

  it('shows the maintenance page to the maintenance persona after the login form', async () => {
    const page = await login(browser(), { id: 'maintenance', password: 'pass-maintenance' });
    expect(page.status).toBe(503);
    expect(page.marker).toBe('maintenance');
    expect((await login(browser(), { id: 'happy', password: 'pass-happy' })).marker).toBe('accounts');
  });

  it('a password changed at the bank makes the stored one wrong', async () => {
    sandbox.knobs.setPassword('happy', 'new-secret');
    expect((await login(browser(), { id: 'happy', password: 'pass-happy' })).marker).toBe('login-error');
    expect((await login(browser(), { id: 'happy', password: 'new-secret' })).marker).toBe('accounts');
  });
});
