/**
 * A tiny browser for the net bank tests: real HTTP with fetch, a cookie jar kept by hand
 * (redirects are followed one hop at a time so that every Set-Cookie is seen), cheerio
 * to read pages, and forms submitted the way a browser would (hidden fields included).
 */
import * as cheerio from 'cheerio';

/** A page as the browser got it. */
export interface Page {
  readonly status: number;
  /** Path (+ query) of the final URL. */
  readonly path: string;
  readonly headers: Headers;
  readonly html: string;
  readonly $: cheerio.CheerioAPI;
  /** The `data-page` marker of <body>, if any. */
  readonly marker: string | undefined;
}

/** Options of one request. */
export interface RequestOptions {
  /** Abort after this many milliseconds. */
  readonly timeoutMs?: number;
}

/** A browser with its own cookie jar. */
export class Browser {
  /** Cookies by name. */
  readonly jar = new Map<string, string>();

  constructor(private readonly base: string) {}

  /** A cookie's value. */
  cookie(name: string): string | undefined {
    return this.jar.get(name);
  }

  /** GET `path`, following redirects. */
  get(path: string, options: RequestOptions = {}): Promise<Page> {
    return this.request('GET', path, undefined, options);
  }

  /** POST a urlencoded form to `path`, following redirects. */
  post(path: string, form: Readonly<Record<string, string>>, options: RequestOptions = {}): Promise<Page> {
    return this.request('POST', path, new URLSearchParams(form).toString(), options);
  }

  /** Raw GET without following redirects or reading the body as text. */
  async raw(path: string): Promise<Response> {
    const res = await fetch(new URL(path, this.base), { headers: this.cookieHeader(), redirect: 'manual' });
    this.store(res);
    return res;
  }

  /** Fills in and submits the form named `name` on `page` (hidden fields kept, `fields` override). */
  submit(page: Page, name: string, fields: Readonly<Record<string, string>>, options: RequestOptions = {}): Promise<Page> {
    const form = page.$(`form[name="${name}"]`);
    if (form.length !== 1) throw new Error(`no form ${name} on page ${page.marker ?? '(no marker)'}`);
    const values: Record<string, string> = {};
    form.find('input[type="hidden"]').each((_, el) => {
      const n = page.$(el).attr('name');
      if (n) values[n] = page.$(el).attr('value') ?? '';
    });
    const action = form.attr('action') ?? page.path;
    const method = (form.attr('method') ?? 'get').toUpperCase();
    const all = { ...values, ...fields };
    if (method === 'GET') return this.get(`${action}?${new URLSearchParams(all).toString()}`, options);
    return this.post(action, all, options);
  }

  private async request(method: string, path: string, body: string | undefined, options: RequestOptions): Promise<Page> {
    let url = new URL(path, this.base);
    let m = method;
    let b = body;
    for (let hop = 0; hop < 5; hop++) {
      const headers: Record<string, string> = { ...this.cookieHeader() };
      if (b !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(url, {
        method: m,
        headers,
        ...(b === undefined ? {} : { body: b }),
        redirect: 'manual',
        ...(options.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(options.timeoutMs) }),
      });
      this.store(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        url = new URL(location, url);
        m = 'GET';
        b = undefined;
        continue;
      }
      const html = await res.text();
      const $ = cheerio.load(html);
      return { status: res.status, path: url.pathname + url.search, headers: res.headers, html, $, marker: $('body').attr('data-page') };
    }
    throw new Error('too many redirects');
  }

  private cookieHeader(): Record<string, string> {
    if (this.jar.size === 0) return {};
    return { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  private store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k = '', v = ''] = a.split('=').map((s) => s.trim());
        return (k.toLowerCase() === 'max-age' && Number(v) <= 0) || (k.toLowerCase() === 'expires' && Date.parse(v) <= Date.now());
      });
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }
}

/** Opens the login page of `channel` and submits user id + password. */
export async function login(
  browser: Browser,
  credentials: { readonly id?: string; readonly password: string; readonly branchCode?: string; readonly accountNumber?: string },
  options: RequestOptions & { readonly channel?: 'web' | 'direct' } = {},
): Promise<Page> {
  const page = await browser.get(options.channel === 'direct' ? '/direct/login' : '/login');
  if (page.marker !== 'login') throw new Error(`expected the login page, got ${page.marker ?? page.status}`);
  const fields: Record<string, string> =
    credentials.id !== undefined
      ? { loginType: 'id', userId: credentials.id, password: credentials.password }
      : { loginType: 'account', branchCode: credentials.branchCode ?? '', accountNumber: credentials.accountNumber ?? '', password: credentials.password };
  return browser.submit(page, 'loginForm', fields, options);
}
