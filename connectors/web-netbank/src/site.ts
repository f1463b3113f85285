/**
 * The bank's site as a browser sees it: pages fetched with a cookie jar, the login form,
 * and the step after every form post — in (the account list), a challenge to relay, or the
 * error page the bank ended on.
 */
import { Redacted } from 'effect';
import {
  ConnectorErrors,
  err,
  ok,
  type Challenge,
  type ConnectorError,
  type CookieJar,
  type HttpClient,
  type MaybeSecret,
  type Outcome,
} from '@kinko/connector-sdk';
import type { ChallengeKind } from '@kinko/domain';
import { errorOfPage, formOf, isChallengeMarker, readPage, unrecognised, type BankPage, type PageForm } from './pages';
import type { NetbankLogin } from './schemas';

const HTML = { accept: 'text/html,application/xhtml+xml', 'accept-language': 'ja' } as const;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A challenge page, ready to relay: what to show the user, and how to post the answer. */
export interface PendingChallenge {
  readonly challenge: Challenge;
  readonly kind: ChallengeKind;
  /** The form's action (same origin as the site). */
  readonly action: URL;
  /** The answer's field name. */
  readonly field: string;
  /** Hidden fields to post back (the form token). */
  readonly hidden: Readonly<Record<string, string>>;
}

/** An input of the login form the user fills in (hidden fields and radios aside). */
export interface LoginInput {
  readonly name: string;
  /** A password input. */
  readonly secret: boolean;
}

/** Where a form post left the browser. */
export type LoginStep = { readonly type: 'in' } | { readonly type: 'challenge'; readonly pending: PendingChallenge };

/** What the step after a post is about: the password, or the answer to a challenge of this kind. */
export type PostContext = { readonly stage: 'login' } | { readonly stage: 'answer'; readonly kind: ChallengeKind };

/** The site of one bank, reached through the connector's HTTP client. */
export class BankSite {
  /** `origin` is the config's baseUrl. */
  constructor(
    private readonly http: HttpClient,
    readonly origin: URL,
  ) {}

  /** A path on the site. */
  url(path: string, query: Readonly<Record<string, string | number>> = {}): URL {
    const u = new URL(path, this.origin);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, String(v));
    return u;
  }

  /** GETs a page (redirects followed within the site). */
  async get(jar: CookieJar, url: URL): Promise<Outcome<BankPage>> {
    const res = await this.http.send({ method: 'GET', url, cookies: jar, headers: HTML, followRedirects: 3 });
    return res.ok ? ok(readPage(res.value)) : res;
  }

  /**
   * Logs in with the jar (which may hold the remembered-device cookie) and ends where the
   * bank sends the user: in, a challenge, or an error.
   */
  async logIn(jar: CookieJar, login: NetbankLogin, password: Redacted.Redacted<string>): Promise<Outcome<LoginStep>> {
    const read = await this.loginForm(jar);
    if (!read.ok) return read;
    const { form } = read.value;
    const fields: Record<string, MaybeSecret> = {
      ...form.hidden,
      ...(login._tag === 'userId'
        ? { loginType: 'id', userId: login.userId, branchCode: '', accountNumber: '' }
        : { loginType: 'account', userId: '', branchCode: login.branchCode, accountNumber: login.accountNumber }),
      password,
    };
    return this.post(jar, form.action, fields, { stage: 'login' });
  }

  /**
   * Reads the login page: its form (action, hidden fields) and the inputs it asks the user
   * to fill in (text and password inputs, in page order). The bank's error when the page is
   * one it ends on (maintenance…), PermanentError when it is not a login page with the form.
   */
  async loginForm(jar: CookieJar): Promise<Outcome<{ readonly form: PageForm; readonly inputs: readonly LoginInput[] }>> {
    const formPage = await this.get(jar, this.url('/login'));
    if (!formPage.ok) return formPage;
    const page = formPage.value;
    if (page.marker !== 'login' || !page.complete) return err(errorOfPage(page, 'login form') ?? unrecognised(page, 'login form'));
    const form = formOf(page, 'loginForm', this.origin);
    if (form === undefined) return err(unrecognised(page, 'login form'));
    const $ = page.$;
    const inputs: LoginInput[] = [];
    $('form[name="loginForm"] input[name]').each((_, el) => {
      const type = ($(el).attr('type') ?? 'text').toLowerCase();
      if (type === 'text' || type === 'password') inputs.push({ name: $(el).attr('name') ?? '', secret: type === 'password' });
    });
    return ok({ form, inputs });
  }

  /** Posts the answer to a challenge. */
  answer(jar: CookieJar, pending: { action: URL; field: string; hidden: Readonly<Record<string, MaybeSecret>>; kind: ChallengeKind }, answer: Redacted.Redacted<string>): Promise<Outcome<LoginStep>> {
    return this.post(jar, pending.action, { ...pending.hidden, [pending.field]: answer }, { stage: 'answer', kind: pending.kind });
  }

  /** Ends the bank session (logout page, or a session that had already ended). */
  async logOut(jar: CookieJar): Promise<Outcome<void>> {
    const res = await this.get(jar, this.url('/logout'));
    if (!res.ok) return res;
    const page = res.value;
    if (page.complete && (page.marker === 'logout' || page.marker === 'session-expired')) return ok(undefined);
    return err(errorOfPage(page, 'logout') ?? unrecognised(page, 'logout'));
  }

  private async post(jar: CookieJar, action: URL, form: Readonly<Record<string, MaybeSecret>>, context: PostContext): Promise<Outcome<LoginStep>> {
    // Never repeated: a second post of a password or an answer counts as a second attempt at the bank.
    const res = await this.http.send({ method: 'POST', url: action, cookies: jar, headers: HTML, body: { form }, retry: false });
    if (!res.ok) return res;
    const { status, headers } = res.value;
    if (status >= 300 && status < 400 && headers.location !== undefined) {
      let next: URL;
      try {
        next = new URL(headers.location, action);
      } catch {
        return err(ConnectorErrors.permanent({ code: 'unexpected_page', message: 'the bank redirected to an invalid address after a login step' }));
      }
      if (next.origin !== this.origin.origin) {
        return err(ConnectorErrors.permanent({ code: 'unexpected_page', message: 'the bank redirected off its site after a login step' }));
      }
      // Where a browser lands after the login: the account list, or what stands in its way (new terms…).
      const landing = await this.get(jar, next);
      if (!landing.ok) return landing;
      if (landing.value.marker === 'accounts' && landing.value.complete) return ok({ type: 'in' });
      return err(this.stepError(landing.value, context, 'page after login'));
    }
    const page = readPage(res.value);
    if (page.complete && isChallengeMarker(page.marker)) {
      const pending = await this.challengeOf(jar, page, page.marker);
      return pending.ok ? ok({ type: 'challenge', pending: pending.value }) : pending;
    }
    return err(this.stepError(page, context, context.stage === 'login' ? 'login' : `${context.kind} answer`));
  }

  /** The error a page ends a login step with. */
  private stepError(page: BankPage, context: PostContext, where: string): ConnectorError {
    const known = errorOfPage(page, where);
    if (known !== undefined) return known;
    if (page.marker === 'session-expired' || page.marker === 'login') {
      // The bank forgot the login in progress: a challenge left too long, or a session dropped on its side.
      return context.stage === 'answer'
        ? ConnectorErrors.challengeTimedOut({ challengeKind: context.kind, message: `the bank ended the session before the ${context.kind} answer arrived` })
        : ConnectorErrors.temporary({ code: 'session_lost', message: `${where}: the bank ended the session during the login` });
    }
    return unrecognised(page, where);
  }

  /** Reads a challenge page: prompt, image (fetched now, with the session's cookies), form. */
  private async challengeOf(jar: CookieJar, page: BankPage, kind: ChallengeKind): Promise<Outcome<PendingChallenge>> {
    const form = formOf(page, `${kind}Form`, this.origin);
    if (form === undefined || form.field === undefined || form.hidden.token === undefined) return err(unrecognised(page, `${kind} challenge`));
    const $ = page.$;
    const instructions = $(`form[name="${kind}Form"]`).prevAll('p').first().text().trim();
    let challenge: Challenge;
    switch (kind) {
      case 'security': {
        const question = $('[data-question]').first().text().trim().replace(/^質問\s*[:：]\s*/, '');
        if (question === '') return err(unrecognised(page, 'security challenge'));
        challenge = { kind, prompt: question };
        break;
      }
      case 'otp': {
        const digits = /(\d+)\s*桁/.exec(instructions.normalize('NFKC'));
        challenge = { kind, prompt: instructions || 'ワンタイムパスワードを入力してください。', ...(digits ? { length: Number(digits[1]) } : {}) };
        break;
      }
      case 'captcha': {
        const image = await this.image(jar, page, 'img[data-captcha-image]', 'CAPTCHA');
        if (!image.ok) return image;
        challenge = { kind, prompt: instructions || '画像に表示されている文字を入力してください。', image: image.value };
        break;
      }
      case 'puzzle': {
        const image = await this.image(jar, page, 'img[data-puzzle-image]', 'puzzle');
        if (!image.ok) return image;
        challenge = { kind, prompt: instructions || 'パズルを完成させてください。', image: image.value };
        break;
      }
    }
    return ok({ challenge, kind, action: form.action, field: form.field, hidden: form.hidden });
  }

  /** Fetches a challenge image (PNG) with the session's cookies, as base64 for the client. */
  private async image(jar: CookieJar, page: BankPage, selector: string, what: string): Promise<Outcome<{ mediaType: string; base64: string }>> {
    const src = page.$(selector).first().attr('src');
    let url: URL;
    try {
      url = new URL(src ?? '', this.origin);
    } catch {
      return err(unrecognised(page, `${what} image`));
    }
    if (src === undefined || url.origin !== this.origin.origin) return err(unrecognised(page, `${what} image`));
    const res = await this.http.send({ method: 'GET', url, cookies: jar, headers: { accept: 'image/png' } });
    if (!res.ok) return res;
    const body = Buffer.from(res.value.body);
    if (res.value.status !== 200 || !body.subarray(0, 8).equals(PNG_SIGNATURE)) {
      return err(ConnectorErrors.permanent({ code: 'unexpected_image', httpStatus: res.value.status, message: `the ${what} image is not a PNG` }));
    }
    return ok({ mediaType: 'image/png', base64: body.toString('base64') });
  }
}
