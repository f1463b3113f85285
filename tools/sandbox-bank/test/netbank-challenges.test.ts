/**
 * The challenges after the password, over real HTTP: secret questions (random, seeded;
 * two in a row), OTP (every time, new device only, after the user enabled it), image
 * CAPTCHA (a real PNG whose answer only the test hook knows), the slider puzzle, wrong and
 * late answers, and the test hooks' absence when disabled.
 */
import { PNG } from 'pngjs';
import { manualClock, type ManualClock } from '../src/clock';
import { NETBANK_DEVICE_COOKIE, NETBANK_SESSION_COOKIE, startNetbankSandbox, type NetbankSandbox } from '../src/netbank';
import { Browser, login, type Page } from './netbank-browser';

const START = '2026-11-21T03:00:00Z';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('net bank challenges', () => {
  let clock: ManualClock;
  let sandbox: NetbankSandbox;

  beforeEach(async () => {
    clock = manualClock(START);
    sandbox = await startNetbankSandbox({ seed: 'challenge-tests', clock, testHooks: true });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  const browser = () => new Browser(sandbox.url);
  const answerOf = (personaId: string, page: Page): string => {
    const text = page.$('[data-question]').text();
    const q = sandbox.persona(personaId).secretQuestions.find((x) => text.includes(x.question));
    if (!q) throw new Error(`unknown question: ${text}`);
    return q.answer;
  };

  describe('secret question', () => {
    it('asks one of the persona’s questions; the right answer logs in', async () => {
      const b = browser();
      const page = await login(b, { id: 'security', password: 'pass-security' });
      expect(page.marker).toBe('security');
      const form = page.$('form[name="securityForm"]');
      expect(form.attr('action')).toBe('/login/security');
      expect(form.find('input[name="answer"]')).toHaveLength(1);
      const done = await b.submit(page, 'securityForm', { answer: answerOf('security', page) });
      expect(done.marker).toBe('accounts');
    });

    it('picks the question at random (seeded): several logins see more than one question, the same seed the same ones', async () => {
      const questions = async (s: NetbankSandbox): Promise<string[]> => {
        const seen: string[] = [];
        for (let i = 0; i < 8; i++) {
          const page = await login(new Browser(s.url), { id: 'security', password: 'pass-security' });
          seen.push(page.$('[data-question]').text());
        }
        return seen;
      };
      const first = await questions(sandbox);
      expect(new Set(first).size).toBeGreaterThan(1);
      const again = await startNetbankSandbox({ seed: 'challenge-tests', clock });
      try {
        expect(await questions(again)).toEqual(first);
      } finally {
        await again.close();
      }
    });

    it('accepts answers typed in full-width characters (NFKC) but not a wrong one', async () => {
      const custom = await startNetbankSandbox({
        seed: 'challenge-tests',
        clock,
        personas: [{ id: 'kana', password: 'pw', challenges: [{ kind: 'security' }, { kind: 'otp' }], secretQuestions: [{ question: '好きな番号は？', answer: 'Room42' }], otpCode: '987654' }],
      });
      try {
        const b = new Browser(custom.url);
        const page = await login(b, { id: 'kana', password: 'pw' });
        expect(page.$('[data-question]').text()).toContain('好きな番号は？');
        const wrong = await b.submit(page, 'securityForm', { answer: 'Room43' });
        expect(wrong.marker).toBe('login-error');
        expect(wrong.$('body').attr('data-error')).toBe('security');
        expect(wrong.$('body').attr('data-timeout')).toBe('false');
        const again = await login(b, { id: 'kana', password: 'pw' });
        const otp = await b.submit(again, 'securityForm', { answer: '\u3000ＲＯＯＭ４２ ' });
        expect(otp.marker).toBe('otp');
        expect((await b.submit(otp, 'otpForm', { otp: '９８７６５４' })).marker).toBe('accounts');
      } finally {
        await custom.close();
      }
    });

    it('asks two different questions in a row', async () => {
      const b = browser();
      const first = await login(b, { id: 'security-twice', password: 'pass-security-twice' });
      expect(first.marker).toBe('security');
      const second = await b.submit(first, 'securityForm', { answer: answerOf('security-twice', first) });
      expect(second.marker).toBe('security');
      expect(second.$('[data-question]').text()).not.toBe(first.$('[data-question]').text());
      expect((await b.submit(second, 'securityForm', { answer: answerOf('security-twice', second) })).marker).toBe('accounts');
    });

    it('asks a secret question, then an OTP', async () => {
      const b = browser();
      const first = await login(b, { id: 'security-otp', password: 'pass-security-otp' });
      expect(first.marker).toBe('security');
      const second = await b.submit(first, 'securityForm', { answer: answerOf('security-otp', first) });
      expect(second.marker).toBe('otp');
      const wrong = await b.submit(second, 'otpForm', { otp: '000000' });
      expect(wrong.marker).toBe('login-error');
      expect(wrong.$('body').attr('data-error')).toBe('otp');
    });

    it('an answer after the challenge timeout fails as timed out', async () => {
      const b = browser();
      const page = await login(b, { id: 'security', password: 'pass-security' });
      clock.advance(301_000);
      const late = await b.submit(page, 'securityForm', { answer: answerOf('security', page) });
      expect(late.marker).toBe('login-error');
      expect(late.$('body').attr('data-error')).toBe('security');
      expect(late.$('body').attr('data-timeout')).toBe('true');
    });

    it('a stale form cannot be replayed after a failed answer', async () => {
      const b = browser();
      const page = await login(b, { id: 'security', password: 'pass-security' });
      await b.submit(page, 'securityForm', { answer: 'wrong' });
      expect((await b.submit(page, 'securityForm', { answer: answerOf('security', page) })).marker).toBe('session-expired');
    });
  });

  describe('one-time password', () => {
    it('is asked at every login', async () => {
      for (let i = 0; i < 2; i++) {
        const b = browser();
        const page = await login(b, { id: 'otp', password: 'pass-otp' });
        expect(page.marker).toBe('otp');
        expect(page.$('form[name="otpForm"] input[name="otp"]')).toHaveLength(1);
        expect((await b.submit(page, 'otpForm', { otp: sandbox.persona('otp').otpCode })).marker).toBe('accounts');
      }
    });

    it('a wrong OTP ends on the OTP error page; a late one as timed out', async () => {
      const b = browser();
      const wrong = await b.submit(await login(b, { id: 'otp', password: 'pass-otp' }), 'otpForm', { otp: '999999' });
      expect(wrong.marker).toBe('login-error');
      expect(wrong.$('body').attr('data-error')).toBe('otp');
      const page = await login(b, { id: 'otp', password: 'pass-otp' });
      clock.advance(300_001);
      const late = await b.submit(page, 'otpForm', { otp: '123456' });
      expect(late.$('body').attr('data-error')).toBe('otp');
      expect(late.$('body').attr('data-timeout')).toBe('true');
    });

    it('on a new device only: after one OTP the device cookie skips it, a browser without it is asked again', async () => {
      const b = browser();
      const first = await login(b, { id: 'otp-new-device', password: 'pass-otp-new-device' });
      expect(first.marker).toBe('otp');
      expect(b.cookie(NETBANK_DEVICE_COOKIE)).toBeUndefined();
      expect((await b.submit(first, 'otpForm', { otp: '123456' })).marker).toBe('accounts');
      const device = b.cookie(NETBANK_DEVICE_COOKIE);
      expect(device).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      await b.get('/logout');
      expect(b.cookie(NETBANK_DEVICE_COOKIE)).toBe(device);
      // The same browser, days later: no OTP.
      clock.advance(7 * 86_400_000);
      expect((await login(b, { id: 'otp-new-device', password: 'pass-otp-new-device' })).marker).toBe('accounts');
      // Another browser (no device cookie), or a forged one: OTP again.
      expect((await login(browser(), { id: 'otp-new-device', password: 'pass-otp-new-device' })).marker).toBe('otp');
      const forged = browser();
      forged.jar.set(NETBANK_DEVICE_COOKIE, 'not-a-device');
      expect((await login(forged, { id: 'otp-new-device', password: 'pass-otp-new-device' })).marker).toBe('otp');
      // A wrong OTP does not remember the device.
      const failing = browser();
      await failing.submit(await login(failing, { id: 'otp-new-device', password: 'pass-otp-new-device' }), 'otpForm', { otp: '000000' });
      expect(failing.cookie(NETBANK_DEVICE_COOKIE)).toBeUndefined();
      // The bank can forget devices.
      sandbox.knobs.forgetDevices('otp-new-device');
      expect((await login(b, { id: 'otp-new-device', password: 'pass-otp-new-device' })).marker).toBe('otp');
    });

    it('the device cookie is per user: another persona on the same browser is still asked', async () => {
      const b = browser();
      await b.submit(await login(b, { id: 'otp-new-device', password: 'pass-otp-new-device' }), 'otpForm', { otp: '123456' });
      const captcha = await login(b, { id: 'captcha-new-device', password: 'pass-captcha-new-device' });
      expect(captcha.marker).toBe('captcha');
    });

    it('after the user enables it: none at first, then at every login (knob), and off again from the settings page', async () => {
      const b = browser();
      expect((await login(b, { id: 'otp-opt-in', password: 'pass-otp-opt-in' })).marker).toBe('accounts');
      sandbox.knobs.setOtpEnabled('otp-opt-in', true);
      const page = await login(b, { id: 'otp-opt-in', password: 'pass-otp-opt-in' });
      expect(page.marker).toBe('otp');
      await b.submit(page, 'otpForm', { otp: '123456' });
      const settings = await b.get('/settings');
      expect(settings.marker).toBe('settings');
      expect(settings.$('[data-otp-enabled]').attr('data-otp-enabled')).toBe('true');
      const saved = await b.submit(settings, 'otpSettingsForm', { otp: 'off' });
      expect(saved.$('[data-otp-enabled]').attr('data-otp-enabled')).toBe('false');
      expect((await login(b, { id: 'otp-opt-in', password: 'pass-otp-opt-in' })).marker).toBe('accounts');
    });

    it('the user turns it on from the settings page', async () => {
      const b = browser();
      await login(b, { id: 'otp-opt-in', password: 'pass-otp-opt-in' });
      await b.submit(await b.get('/settings'), 'otpSettingsForm', { otp: 'on' });
      expect((await login(b, { id: 'otp-opt-in', password: 'pass-otp-opt-in' })).marker).toBe('otp');
    });
  });

  describe('image CAPTCHA', () => {
    it('shows a real PNG whose text only the test hook knows; the right text logs in', async () => {
      const b = browser();
      const page = await login(b, { id: 'captcha', password: 'pass-captcha' });
      expect(page.marker).toBe('captcha');
      const session = b.cookie(NETBANK_SESSION_COOKIE) as string;
      const answer = sandbox.captchaAnswer(session);
      expect(answer).toMatch(/^[A-Z0-9]{5}$/);
      const src = page.$('img[data-captcha-image]').attr('src') as string;
      const res = await b.raw(src);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      const png = PNG.sync.read(bytes);
      expect([png.width, png.height]).toEqual([200, 70]);
      // Noise: many distinct colours, not a flat image.
      const colours = new Set<number>();
      for (let i = 0; i < png.data.length; i += 4) colours.add(((png.data[i] ?? 0) << 16) | ((png.data[i + 1] ?? 0) << 8) | (png.data[i + 2] ?? 0));
      expect(colours.size).toBeGreaterThan(200);
      // The answer is nowhere but in the pixels.
      expect(page.html.toUpperCase()).not.toContain(answer as string);
      expect(src.toUpperCase()).not.toContain(answer as string);
      expect([...b.jar.values()].join(' ').toUpperCase()).not.toContain(answer as string);
      // The same image on a second fetch; lower case is accepted.
      const again = Buffer.from(await (await b.raw(src)).arrayBuffer());
      expect(again.equals(bytes)).toBe(true);
      const done = await b.submit(page, 'captchaForm', { captcha: (answer as string).toLowerCase() });
      expect(done.marker).toBe('accounts');
    });

    it('each CAPTCHA has its own text', async () => {
      const answers = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const b = browser();
        await login(b, { id: 'captcha', password: 'pass-captcha' });
        answers.add(sandbox.captchaAnswer(b.cookie(NETBANK_SESSION_COOKIE) as string) as string);
      }
      expect(answers.size).toBe(5);
    });

    it('a wrong text ends on the CAPTCHA error page, and the image is gone', async () => {
      const b = browser();
      const page = await login(b, { id: 'captcha', password: 'pass-captcha' });
      const src = page.$('img[data-captcha-image]').attr('src') as string;
      const wrong = await b.submit(page, 'captchaForm', { captcha: 'ZZZZZ' });
      expect(wrong.marker).toBe('login-error');
      expect(wrong.$('body').attr('data-error')).toBe('captcha');
      expect((await b.raw(src)).status).toBe(404);
      expect(sandbox.captchaAnswer(b.cookie(NETBANK_SESSION_COOKIE) as string)).toBeUndefined();
    });

    it('risk-based: asked from a new browser only', async () => {
      const b = browser();
      const page = await login(b, { id: 'captcha-new-device', password: 'pass-captcha-new-device' });
      expect(page.marker).toBe('captcha');
      await b.submit(page, 'captchaForm', { captcha: sandbox.captchaAnswer(b.cookie(NETBANK_SESSION_COOKIE) as string) as string });
      expect((await login(b, { id: 'captcha-new-device', password: 'pass-captcha-new-device' })).marker).toBe('accounts');
      expect((await login(browser(), { id: 'captcha-new-device', password: 'pass-captcha-new-device' })).marker).toBe('captcha');
    });
  });

  describe('puzzle', () => {
    it('shows a picture, a piece and a slider; the offset from the hook (± tolerance) logs in', async () => {
      const b = browser();
      const page = await login(b, { id: 'puzzle', password: 'pass-puzzle' });
      expect(page.marker).toBe('puzzle');
      const form = page.$('form[name="puzzleForm"]');
      expect(form.find('input[name="offset"]')).toHaveLength(1);
      expect(form.find('input[type="range"]')).toHaveLength(1);
      expect(page.html).toContain('<script>');
      for (const selector of ['img[data-puzzle-image]', 'img[data-puzzle-piece]']) {
        const bytes = Buffer.from(await (await b.raw(page.$(selector).attr('src') as string)).arrayBuffer());
        expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
        const png = PNG.sync.read(bytes);
        expect([png.width, png.height]).toEqual(selector.includes('piece') ? [44, 44] : [280, 160]);
      }
      const offset = sandbox.puzzleAnswer(b.cookie(NETBANK_SESSION_COOKIE) as string) as number;
      expect(Number.isInteger(offset)).toBe(true);
      expect(page.html).not.toMatch(new RegExp(`left:\\s*${offset}px`));
      const done = await b.submit(page, 'puzzleForm', { offset: String(offset + 3) });
      expect(done.marker).toBe('accounts');
    });

    it('an offset too far off fails as a puzzle error', async () => {
      const b = browser();
      const page = await login(b, { id: 'puzzle', password: 'pass-puzzle' });
      const offset = sandbox.puzzleAnswer(b.cookie(NETBANK_SESSION_COOKIE) as string) as number;
      const wrong = await b.submit(page, 'puzzleForm', { offset: String(offset + 20) });
      expect(wrong.marker).toBe('login-error');
      expect(wrong.$('body').attr('data-error')).toBe('puzzle');
    });
  });

  describe('test hooks', () => {
    it('the admin API answers the challenges only when test hooks are on', async () => {
      const b = browser();
      await login(b, { id: 'captcha', password: 'pass-captcha' });
      const session = b.cookie(NETBANK_SESSION_COOKIE) as string;
      const res = await fetch(`${sandbox.url}/__sandbox/sessions/${session}/captcha-answer`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ answer: sandbox.captchaAnswer(session) });
      expect((await fetch(`${sandbox.url}/__sandbox/sessions/${session}/puzzle-answer`)).status).toBe(404);

      const closed = await startNetbankSandbox({ seed: 'challenge-tests', clock });
      try {
        const c = new Browser(closed.url);
        await login(c, { id: 'captcha', password: 'pass-captcha' });
        const id = c.cookie(NETBANK_SESSION_COOKIE) as string;
        expect(() => closed.captchaAnswer(id)).toThrow(/test hooks are disabled/);
        expect(() => closed.puzzleAnswer(id)).toThrow(/test hooks are disabled/);
        const admin = await c.get(`/__sandbox/sessions/${id}/captcha-answer`);
        expect(admin.status).toBe(404);
        expect(admin.marker).toBe('not-found');
      } finally {
        await closed.close();
      }
    });

    it('the admin API drives the persona knobs', async () => {
      const post = (path: string, body: unknown) => fetch(`${sandbox.url}/__sandbox${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post('/personas/otp-opt-in', { otpEnabled: true })).status).toBe(200);
      expect((await login(browser(), { id: 'otp-opt-in', password: 'pass-otp-opt-in' })).marker).toBe('otp');
      expect((await post('/personas/happy', { lock: 'permanent' })).status).toBe(200);
      expect((await login(browser(), { id: 'happy', password: 'pass-happy' })).marker).toBe('locked-permanent');
      expect((await post('/personas/happy', { lock: 'sideways' })).status).toBe(400);
      expect((await post('/personas/nobody', { termsPending: true })).status).toBe(400);
      expect((await post('/reset', {})).status).toBe(200);
      expect((await login(browser(), { id: 'happy', password: 'pass-happy' })).marker).toBe('accounts');
      expect((await login(browser(), { id: 'otp-opt-in', password: 'pass-otp-opt-in' })).marker).toBe('accounts');
    });
  });
});
