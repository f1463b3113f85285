// The GMO Aozora Net Bank sandbox: the personal Open API's shapes (basePath /ganb/api/personal/v1:
// GET /accounts, /accounts/balances, /accounts/transactions with nextItemKey paging, the
// ErrorResponse bodies) on node:http, with an OAuth 2.0 authorisation server (PKCE S256, token
// rotation, revoke), on a host and a port of its own. Knobs: faults (the conformance kit's
// GmoAozoraFault shapes), the request and answer records, a consent ended at the bank, a page-size cap.
// Made with connectors/gmo-aozora (pnpm create-connector); validated there against the spec.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { RecordedBankRequest, SandboxFault } from '@kinko/connector-sdk/testkit';
import { KitFaultSlot } from '../kit-fault';
import { listenOwnPort } from '../listen';
import { RotatingTokenPairs, type TokenPair, newToken, s256 } from '../oauth-tokens';

/** A data request as the conformance kit records it (its RecordedBankRequest). */
export type GmoAozoraRequest = RecordedBankRequest;

/** A fault, as the conformance kit asks for it (its SandboxFault; see kit-fault.ts). */
export type GmoAozoraFault = SandboxFault;

/** One 入出金明細 as the spec's Transaction: `transactionType` "1" = 入金 (in), "2" = 出金 (out); amounts unsigned strings. */
export interface GmoAozoraTransaction {
  readonly itemKey: string;
  readonly transactionDate: string;
  readonly valueDate: string;
  readonly transactionType: '1' | '2';
  readonly amount: string;
  readonly balance: string;
  readonly remarks?: string;
  /**
   * A 振込入金 (incoming transfer) of a 個人事業主 (sole proprietor): what GET
   * /accounts/deposit-transactions tells of it beside this item (same itemKey).
   */
  readonly arrival?: GmoAozoraArrival;
}

/** The spec's PaymentArrival details of one incoming transfer (half-width kana as the bank writes them). */
export interface GmoAozoraArrival {
  /** 依頼人名: who sent the money. */
  readonly applicantName: string;
  /** 仕向金融機関名カナ, 仕向支店名カナ: the sender's bank and branch. */
  readonly paymentBankName: string;
  readonly paymentBranchName: string;
  /** EDI情報: the sender's reference (e.g. an invoice number). */
  readonly ediInfo?: string;
}

/**
 * A つかいわけ口座 (purpose sub-account, the spec's SpAccount): its id starts with "SP"; a 子口座
 * (child, type "2") has a branch and a number of its own, the 親口座 (parent, type "1") stands
 * for the 代表口座 it divides (SP + that account's id). Its 円普通預金 balance is odBalance.
 */
export interface GmoAozoraSpAccount {
  readonly accountId: string;
  readonly spAccountTypeCode: '1' | '2';
  readonly spAccountName: string;
  readonly branchCode?: string;
  readonly branchName?: string;
  readonly accountNumber?: string;
  readonly odBalance: string;
  readonly transactions: readonly GmoAozoraTransaction[];
}

export interface GmoAozoraAccount {
  /** 口座ID (12–29 characters). */
  readonly accountId: string;
  readonly branchCode: string;
  readonly branchName: string;
  readonly accountNumber: string;
  readonly accountName: string;
  readonly currencyCode: string;
  /** 残高 and 支払可能残高, unsigned integer strings. */
  readonly balance: string;
  readonly withdrawableAmount: string;
  /** Sorted by transactionDate, then itemKey (the spec's 取引の昇順). */
  readonly transactions: readonly GmoAozoraTransaction[];
  /** 凍結 (frozen): the bank refuses its balance and items (403 ErrorResponse); it is still listed. */
  readonly frozen?: boolean;
}

/** Where the spec's paths live (its basePath). */
export const GMO_AOZORA_BASE_PATH = '/ganb/api/personal/v1';

export interface GmoAozoraUser {
  readonly username: string;
  readonly password: string;
  readonly accounts: readonly GmoAozoraAccount[];
  /** つかいわけ口座 (GET /accounts' spAccounts; left out of the answer when there are none). */
  readonly spAccounts?: readonly GmoAozoraSpAccount[];
  /**
   * A 個人事業主 (sole proprietor): GET /accounts/deposit-transactions answers for their 円普通預金
   * accounts; for anyone else (個人) the bank refuses it (403 ErrorResponse).
   */
  readonly soleProprietor?: boolean;
  /**
   * The user withdraws the consent at the bank right after the first full read (a balance and a
   * transactions read to its last page answered): the token pair ends there.
   */
  readonly revokesAfterFirstRead?: boolean;
  /** The bank throttles this user: its first `times` data requests answer 429 with Retry-After `seconds`. */
  readonly rateLimited?: { readonly times: number; readonly seconds: number };
}

export interface GmoAozoraSandboxOptions {
  readonly users: readonly GmoAozoraUser[];
  /** The app's client credentials at the bank. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Items per transactions page (the spec's 取得上限件数 is 500). */
  readonly maxPageSize?: number;
  /** The bank's calendar day (baseDate), Asia/Tokyo; by default the day now. */
  readonly today?: string;
  /** Where it listens (127.0.0.1 by default; the port is always its own). */
  readonly host?: string;
}

export interface GmoAozoraAnswer {
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
}

export interface GmoAozoraSandbox {
  readonly baseUrl: string;
  /** `127.0.0.1:port`, an allowed-host entry. */
  readonly host: string;
  /** Every data request (accounts, transactions) received, in order. */
  readonly requests: GmoAozoraRequest[];
  /** Every answer of the data API (below GMO_AOZORA_BASE_PATH) the sandbox gave, in order. */
  readonly answers: GmoAozoraAnswer[];
  setFault(fault: GmoAozoraFault | undefined): void;
  /** Ends every grant of `username` at the bank (the user withdrew the consent there). */
  revokeAtBank(username: string): void;
  close(): Promise<void>;
}


async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** Starts the sandbox bank. */
export async function startGmoAozoraSandbox(options: GmoAozoraSandboxOptions): Promise<GmoAozoraSandbox> {
  const users = new Map(options.users.map((u) => [u.username, u]));
  const pairs = new RotatingTokenPairs(); // owner: the username
  const codes = new Map<string, { username: string; challenge: string; redirectUri: string }>();
  const requests: GmoAozoraRequest[] = [];
  const answers: GmoAozoraAnswer[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const fault = new KitFaultSlot();
  const throttledSoFar = new Map<string, number>(); // username → data requests answered 429
  const readsSoFar = new Map<string, Set<string>>(); // username → the reads answered (revokesAfterFirstRead)

  const tokens = (p: TokenPair) => ({ access_token: p.access, refresh_token: p.refresh, expires_in: 3600 });
  const clientOk = (body: Record<string, unknown>): boolean => body.client_id === options.clientId && body.client_secret === options.clientSecret;

  /** Applies the fault, if any, to one data request; true when it answered. */
  function applyFault(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    return fault.apply(req, res, {
      status: (status, headers) => send(res, status, { errorCode: 'WG_ERR_900', errorMessage: '障害を擬似的に発生させています' }, headers),
      truncatedBody: '{"accounts": [{"accountId": "3010',
      timers,
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const route = `${req.method} ${url.pathname}`;

    if (route === 'GET /authorize') {
      // The bank's login page (the user's browser arrives here from the connector's begin): a
      // form that posts the login with the authorisation request's parameters.
      const asked = url.searchParams;
      if (asked.get('client_id') !== options.clientId || asked.get('code_challenge_method') !== 'S256' || !asked.get('code_challenge') || !asked.get('redirect_uri')) {
        return send(res, 400, { error: 'invalid_request' });
      }
      const esc = (v: string): string => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      const hidden = ['redirect_uri', 'state', 'code_challenge'].map((k) => `<input type="hidden" name="${k}" value="${esc(asked.get(k) ?? '')}">`).join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(
        `<!doctype html><html lang="ja"><meta charset="utf-8"><title>GMOあおぞらネット銀行（サンドボックス）ログイン</title>` +
          `<form method="post" action="/authorize">${hidden}<label>ログインID <input name="username" autocomplete="username"></label>` +
          `<label>パスワード <input name="password" type="password" autocomplete="current-password"></label><button value="allow" name="decision">ログインして許可する</button><button value="deny" name="decision">許可しない</button></form></html>`,
      );
    }
    if (route === 'POST /authorize') {
      // What the bank's login page posts (the kit's completeRedirect plays the browser).
      const form = new URLSearchParams(await readBody(req));
      const back = new URL(form.get('redirect_uri') ?? '');
      const user = users.get(form.get('username') ?? '');
      // The user declines (許可しない), or the login is wrong: the OAuth error, no code.
      if (form.get('decision') === 'deny' || user === undefined || user.password !== form.get('password')) back.searchParams.set('error', 'access_denied');
      else {
        const code = newToken();
        codes.set(code, { username: user.username, challenge: form.get('code_challenge') ?? '', redirectUri: back.href });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', form.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      return void res.end();
    }
    if (route === 'POST /login') {
      const body = parseJson(await readBody(req));
      if (!clientOk(body)) return send(res, 401, { error: 'invalid_client' });
      const user = users.get(String(body.username ?? ''));
      if (user === undefined || user.password !== body.password) return send(res, 401, { error: 'invalid_credentials' });
      return send(res, 200, tokens(pairs.issue(user.username)));
    }
    if (route === 'POST /token') {
      const body = parseJson(await readBody(req));
      if (!clientOk(body)) return send(res, 401, { error: 'invalid_client' });
      if (body.grant_type === 'authorization_code') {
        const code = codes.get(String(body.code ?? ''));
        codes.delete(String(body.code ?? ''));
        if (code === undefined || code.challenge !== s256(String(body.code_verifier ?? '')) || code.redirectUri.split('?')[0] !== body.redirect_uri) {
          return send(res, 401, { error: 'invalid_grant' });
        }
        // A new consent: the personas' behaviour (throttling, withdrawal after the first read) starts again.
        throttledSoFar.delete(code.username);
        readsSoFar.delete(code.username);
        return send(res, 200, tokens(pairs.issue(code.username)));
      }
      if (body.grant_type === 'refresh_token') {
        const pair = pairs.byRefresh(String(body.refresh_token ?? ''));
        return pair === undefined ? send(res, 401, { error: 'invalid_grant' }) : send(res, 200, tokens(pairs.issue(pair.owner)));
      }
      return send(res, 400, { error: 'unsupported_grant_type' });
    }
    if (route === 'POST /revoke') {
      const body = parseJson(await readBody(req));
      if (!clientOk(body)) return send(res, 401, { error: 'invalid_client' });
      pairs.end(pairs.byRefresh(String(body.refresh_token ?? '')));
      res.writeHead(204);
      return void res.end();
    }

    // The data API's answers, kept for the spec check (GmoAozoraSandbox.answers).
    const reply = (status: number, body: unknown): void => {
      answers.push({ path: url.pathname, status, body });
      send(res, status, body);
    };
    // Data: recorded, then faults, then the bearer token.
    requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams) });
    if (await applyFault(req, res)) return;
    const token = req.headers['x-access-token'];
    const pair = typeof token === 'string' ? pairs.byAccess(token) : undefined;
    const user = pair === undefined ? undefined : users.get(pair.owner);
    if (user === undefined) return reply(401, { errorCode: 'WG_ERR_102', errorMessage: 'アクセストークンが無効です' });
    const throttled = throttledSoFar.get(user.username) ?? 0;
    if (user.rateLimited !== undefined && throttled < user.rateLimited.times) {
      throttledSoFar.set(user.username, throttled + 1);
      const body = { errorCode: 'WG_ERR_429', errorMessage: 'リクエスト数が上限を超えました' };
      answers.push({ path: url.pathname, status: 429, body });
      return send(res, 429, body, { 'retry-after': String(user.rateLimited.seconds) });
    }
    /** Ends the grant once the user's first full read is answered (revokesAfterFirstRead). */
    const read = (what: 'balance' | 'transactions'): void => {
      if (user.revokesAfterFirstRead !== true) return;
      const done = readsSoFar.get(user.username) ?? new Set<string>();
      done.add(what);
      readsSoFar.set(user.username, done);
      if (done.size === 2) pairs.end(pair);
    };

    const today = options.today ?? new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
    const stamp = { baseDate: today, baseTime: '10:00:00+09:00' };
    const accountOf = (id: string | null) => user.accounts.find((a) => a.accountId === id);
    const sp = user.spAccounts ?? [];
    const noAccount = () => reply(404, { errorCode: 'WG_ERR_404', errorMessage: '該当する口座が存在しません' });
    const frozen = () => reply(403, { errorCode: 'WG_ERR_403', errorMessage: '口座が凍結されているため照会できません' });

    if (route === `GET ${GMO_AOZORA_BASE_PATH}/accounts`) {
      return reply(200, {
        ...stamp,
        accounts: user.accounts.map((a, i) => ({
          accountId: a.accountId,
          branchCode: a.branchCode,
          branchName: a.branchName,
          accountTypeCode: '01',
          accountTypeName: '普通預金（有利息）',
          accountNumber: a.accountNumber,
          // The primary account (代表口座) says so; the spec leaves the field out where it has no value.
          ...(i === 0 ? { primaryAccountCode: '1', primaryAccountCodeName: '代表口座' } : {}),
          accountName: a.accountName,
          currencyCode: a.currencyCode,
          currencyName: a.currencyCode === 'JPY' ? '日本円' : a.currencyCode,
          transferLimitAmount: '5000000',
        })),
        ...(sp.length === 0
          ? {}
          : {
              spAccounts: sp.map((a) => ({
                accountId: a.accountId,
                spAccountTypeCode: a.spAccountTypeCode,
                spAccountTypeCodeName: a.spAccountTypeCode === '1' ? '親口座' : '子口座',
                spAccountName: a.spAccountName,
                // Branch and number only for a 子口座 (the spec leaves them out otherwise).
                ...(a.spAccountTypeCode === '2' ? { spAccountBranchCode: a.branchCode, spAccountBranchName: a.branchName, spAccountNumber: a.accountNumber } : {}),
              })),
            }),
      });
    }
    if (route === `GET ${GMO_AOZORA_BASE_PATH}/accounts/balances`) {
      const id = url.searchParams.get('accountId');
      // A frozen account's balance is refused when asked for, and left out of the list of all.
      const chosen = id === null ? user.accounts.filter((a) => a.frozen !== true) : user.accounts.filter((a) => a.accountId === id);
      const chosenSp = id === null ? sp : sp.filter((a) => a.accountId === id);
      if (id !== null && chosen.length === 0 && chosenSp.length === 0) return noAccount();
      if (id !== null && chosen.some((a) => a.frozen === true)) return frozen();
      read('balance');
      return reply(200, {
        balances: chosen.map((a) => ({
          accountId: a.accountId,
          accountTypeCode: '01',
          accountTypeName: '普通預金（有利息）',
          balance: a.balance,
          ...stamp,
          withdrawableAmount: a.withdrawableAmount,
          currencyCode: a.currencyCode,
          currencyName: a.currencyCode === 'JPY' ? '日本円' : a.currencyCode,
        })),
        // つかいわけ口座: the spec leaves the list out when there is none.
        ...(chosenSp.length === 0 ? {} : { spAccountBalances: chosenSp.map((a) => ({ accountId: a.accountId, odBalance: a.odBalance, spAccountFcyBalances: [] })) }),
      });
    }
    /** The spec's period cases and nextItemKey paging over `items` (sorted): the page, or an error answered. */
    const page = (items: readonly GmoAozoraTransaction[]): { lo: string; hi: string; slice: GmoAozoraTransaction[]; nextItemKey: string | undefined } | undefined => {
      const date = /^\d{4}-\d{2}-\d{2}$/;
      const from = url.searchParams.get('dateFrom');
      const to = url.searchParams.get('dateTo');
      if ((from !== null && !date.test(from)) || (to !== null && !date.test(to)) || (from !== null && to !== null && from > to)) {
        reply(400, { errorCode: 'WG_ERR_400', errorMessage: '対象期間の指定が不正です' });
        return undefined;
      }
      // ① neither: today; ② from only: from – today; ③ to only: first – to; ④ both.
      const lo = from ?? (to === null ? today : '0000-01-01');
      const hi = to ?? today;
      const matching = items.filter((t) => t.transactionDate >= lo && t.transactionDate <= hi);
      const key = url.searchParams.get('nextItemKey');
      const start = key === null ? 0 : matching.findIndex((t) => t.itemKey === key);
      if (start < 0) {
        reply(400, { errorCode: 'WG_ERR_401', errorMessage: '次明細キーが不正です' });
        return undefined;
      }
      const size = Math.max(1, Math.min(500, options.maxPageSize ?? 500));
      const slice = matching.slice(start, start + size);
      let nextItemKey = matching[start + size]?.itemKey;
      if (fault.nextLink === 'loopingNext') nextItemKey = key ?? slice[0]?.itemKey ?? '1';
      if (fault.nextLink === 'malformedNext') nextItemKey = 'not-a-key';
      return { lo: lo === '0000-01-01' ? (items[0]?.transactionDate ?? hi) : lo, hi, slice, nextItemKey };
    };
    const paging = (p: { nextItemKey: string | undefined; slice: readonly unknown[] }) => ({
      ...stamp,
      hasNext: p.nextItemKey !== undefined,
      ...(p.nextItemKey === undefined ? {} : { nextItemKey: p.nextItemKey }),
      count: String(p.slice.length),
    });

    if (route === `GET ${GMO_AOZORA_BASE_PATH}/accounts/transactions`) {
      // A つかいわけ口座's items too (the spec: its id may be given here).
      const id = url.searchParams.get('accountId');
      const account = accountOf(id) ?? sp.find((a) => a.accountId === id);
      if (account === undefined) return noAccount();
      if ('frozen' in account && account.frozen === true) return frozen();
      const p = page(account.transactions);
      if (p === undefined) return;
      if (p.nextItemKey === undefined) read('transactions');
      const currencyCode = 'currencyCode' in account ? account.currencyCode : 'JPY';
      return reply(200, {
        accountId: account.accountId,
        currencyCode,
        currencyName: currencyCode === 'JPY' ? '日本円' : currencyCode,
        dateFrom: p.lo,
        dateTo: p.hi,
        ...paging(p),
        transactions: p.slice.map(({ arrival: _details, ...t }) => t),
      });
    }
    if (route === `GET ${GMO_AOZORA_BASE_PATH}/accounts/deposit-transactions`) {
      // 振込入金明細: 円普通預金 of a 個人事業主 only; つかいわけ口座 are refused (the spec: 指定時はエラー), 個人 too.
      const id = url.searchParams.get('accountId');
      if (sp.some((a) => a.accountId === id)) return reply(400, { errorCode: 'WG_ERR_410', errorMessage: 'つかいわけ口座は照会できません' });
      const account = accountOf(id);
      if (account === undefined) return noAccount();
      if (user.soleProprietor !== true || account.currencyCode !== 'JPY') return reply(403, { errorCode: 'WG_ERR_403', errorMessage: '個人事業主の円普通預金口座のみ照会できます' });
      const p = page(account.transactions.filter((t) => t.arrival !== undefined));
      if (p === undefined) return;
      return reply(200, {
        accountId: account.accountId,
        dateFrom: p.lo,
        dateTo: p.hi,
        ...paging(p),
        paymentArrivals: p.slice.map((t) => ({
          transactionDate: t.transactionDate,
          valueDate: t.valueDate,
          transactionType: '1',
          ...(t.remarks === undefined ? {} : { remarks: t.remarks }),
          amount: t.amount,
          applicantName: t.arrival?.applicantName,
          paymentBankName: t.arrival?.paymentBankName,
          paymentBranchName: t.arrival?.paymentBranchName,
          ...(t.arrival?.ediInfo === undefined ? {} : { ediInfo: t.arrival.ediInfo }),
          itemKey: t.itemKey,
        })),
      });
    }
    return reply(404, { errorCode: 'WG_ERR_404', errorMessage: '該当するAPIが存在しません' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'sandbox_bug' });
    });
  });
  const where = await listenOwnPort(server, options.host);
  return {
    ...where,
    requests,
    answers,
    setFault(f) {
      fault.set(f);
    },
    revokeAtBank: (username) => pairs.endOf(username),
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
