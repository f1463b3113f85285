/**
 * A Berlin Group NextGenPSD2 1.3.12 AIS sandbox bank (the paths and bodies of
 * psd2-api_v1.3.12-2022-07-06.yaml): consents (recurringIndicator, validUntil,
 * frequencyPerDay, status, DELETE), SCA by the OAuth SCA approach (the consent's `scaOAuth`
 * link names the bank's OAuth server; the PSU logs in on its page; PKCE S256; rotating refresh
 * tokens), accounts, balances, transactions booked / pending / both with `_links` paging, and
 * 429 ACCESS_EXCEEDED once a consent's unattended accesses of the day (calls without
 * PSU-IP-Address) are spent. One server on a loopback port; faults for the conformance kit.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { recordAnswers, type SpecAnswer } from '../answer-log';
import { addDays, dateInZone, isIsoDate, type IsoDate } from '../calendar';
import { systemClock, type Clock } from '../clock';
import type { SandboxFault } from '@kinko/connector-sdk/testkit';
import { KitFaultSlot } from '../kit-fault';
import {
  amountText,
  entryDayOf,
  type BerlinGroupAccount,
  type BerlinGroupCode,
  type BerlinGroupConsent,
  type BerlinGroupConsentStatus,
  type BerlinGroupToken,
  type BerlinGroupTransaction,
  type BerlinGroupUser,
} from './model';

/** The bank's time zone: its dates are calendar dates here. */
export const BERLIN_GROUP_TIME_ZONE = 'Europe/Berlin';

/** A fault on the data endpoints (accounts, balances, transactions), as the conformance kit asks for them. */
export type BerlinGroupFault = SandboxFault;

/** One data request as the bank received it (no headers: they carry tokens). */
export interface BerlinGroupRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status?: number;
  /** The PSU-IP-Address the request carried (the PSU present), if any. */
  readonly psuIpAddress?: string;
}

/** One answer of the API (`/v1/…`) as the bank sent it, for checking against the published spec. */
export type BerlinGroupAnswer = SpecAnswer;

/** Options of {@link startBerlinGroupSandbox}. */
export interface BerlinGroupSandboxOptions {
  readonly users: readonly BerlinGroupUser[];
  /** Items per transactions page (default 50); `itemsPerPage` below it is honoured. */
  readonly pageSize?: number;
  readonly clock?: Clock;
  readonly host?: string;
  readonly port?: number;
}

/** A running sandbox. */
export interface BerlinGroupSandbox {
  /** The API's base URL (the `/v1/…` paths go under it). */
  readonly url: string;
  /** `host:port`, for a connector's allowed hosts. */
  readonly hostEntry: string;
  setFault(fault: BerlinGroupFault | undefined): void;
  /** Data requests received so far, in order. */
  requests(): readonly BerlinGroupRequest[];
  /** The API's answers so far (consents and data; not the OAuth pages), in order, the last 10 000. */
  answers(): readonly BerlinGroupAnswer[];
  readonly testHooks: {
    /** The consent as the bank keeps it. */
    consent(consentId: string): BerlinGroupConsent | undefined;
    /** Every consent the PSU authorised. */
    consentsOf(login: string): readonly BerlinGroupConsent[];
    /** The PSU withdraws the consent at the bank (status revokedByPsu). */
    revokeByPsu(consentId: string): void;
    /** The bank ends the consent (status expired). */
    expire(consentId: string): void;
    /** The bank books the account's pending items: same transactionId, booked on their value date. */
    bookPending(resourceId: string): void;
    /** Logs in at the bank's SCA page over HTTP and returns the query of the redirect back. */
    approve(url: string, login: string, password: string): Promise<Record<string, string>>;
  };
  close(): Promise<void>;
}

const pkceS256 = (verifier: string): string => createHash('sha256').update(verifier, 'ascii').digest('base64url');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The spec's error body: `{ tppMessages: [{ category, code, text }] }`. */
const tppError = (code: string, text: string) => ({ tppMessages: [{ category: 'ERROR', code, text }] });

export async function startBerlinGroupSandbox(options: BerlinGroupSandboxOptions): Promise<BerlinGroupSandbox> {
  const clock = options.clock ?? systemClock;
  const pageSize = options.pageSize ?? 50;
  const today = (): IsoDate => dateInZone(clock(), BERLIN_GROUP_TIME_ZONE);
  const users = new Map(options.users.map((u) => [u.login, u]));
  const consents = new Map<string, BerlinGroupConsent>();
  const codes = new Map<string, BerlinGroupCode>();
  const tokens = new Map<string, BerlinGroupToken>();
  const log: BerlinGroupRequest[] = [];
  const answers: BerlinGroupAnswer[] = [];
  const fault = new KitFaultSlot();
  const sockets = new Set<Socket>();
  let base = '';

  const app = Fastify({ logger: false });
  await app.register(formbody);
  app.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  // Every answer of the spec's paths, as sent (injected faults included), for a spec check.
  recordAnswers(app, answers, { include: (route) => route.startsWith('/v1/'), specPath: (route) => route.replace(':accountId', '{account-id}').replace(':consentId', '{consentId}') });

  const header = (request: FastifyRequest, name: string): string | undefined => {
    const v = request.headers[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const send = (reply: FastifyReply, request: FastifyRequest, status: number, body?: unknown) => {
    void reply.header('x-request-id', header(request, 'x-request-id') ?? randomUUID());
    if (body === undefined) return reply.code(status).send();
    return reply.code(status).type('application/json').send(body);
  };

  /** The consent's status now (a valid consent past validUntil has expired). */
  const statusOf = (c: BerlinGroupConsent): BerlinGroupConsentStatus => {
    if (c.status === 'valid' && c.validUntil < today()) c.status = 'expired';
    return c.status;
  };

  /**
   * Checks a data call: X-Request-ID, Consent-ID, bearer token, consent status, frequency. Returns the consent or sends the refusal.
   * `usageKey`: what the access is to (`accounts`, the list; else the account's resourceId); `endpoint`: which read it is
   * (`balances`, `transactions?bookingStatus=…`: booked and pending read one kind per call are two reads of one access).
   */
  function authorise(request: FastifyRequest, reply: FastifyReply, usageKey: string, endpoint: string): BerlinGroupConsent | undefined {
    const requestId = header(request, 'x-request-id');
    if (requestId === undefined || !UUID.test(requestId)) {
      void send(reply, request, 400, tppError('FORMAT_ERROR', 'X-Request-ID must be a UUID'));
      return undefined;
    }
    const consentId = header(request, 'consent-id');
    const consent = consentId === undefined ? undefined : consents.get(consentId);
    if (consent === undefined) {
      void send(reply, request, 403, tppError('CONSENT_UNKNOWN', 'no such consent'));
      return undefined;
    }
    const bearer = /^Bearer (.+)$/.exec(header(request, 'authorization') ?? '')?.[1];
    const token = bearer === undefined ? undefined : tokens.get(bearer);
    if (token === undefined || token.kind !== 'access' || token.revoked || token.consentId !== consent.consentId) {
      void send(reply, request, 401, tppError('TOKEN_INVALID', 'the access token is not valid'));
      return undefined;
    }
    const status = statusOf(consent);
    if (status === 'expired') {
      void send(reply, request, 401, tppError('CONSENT_EXPIRED', 'the consent has expired'));
      return undefined;
    }
    if (status !== 'valid') {
      void send(reply, request, 401, tppError('CONSENT_INVALID', `the consent is ${status}`));
      return undefined;
    }
    // Without PSU-IP-Address the PSU is not present. NextGenPSD2 1.3.12, frequencyPerDay: "This
    // field indicates the requested maximum frequency for an access without PSU involvement per
    // day" — an access to the account's information, counted per account and day: one unattended
    // read of an account's balances and of its transactions (each read once, its further pages,
    // pageIndex > 0, included; booked and pending each once when read one kind per call) is ONE
    // access; reading an endpoint again that this access already
    // read starts the next one. 429 ACCESS_EXCEEDED once the day's frequency is spent. The app
    // counts the same way (one unattended_accesses row per account per session).
    const pageIndex = (request.query as Record<string, string | undefined>)['pageIndex'];
    if (header(request, 'psu-ip-address') === undefined && (pageIndex === undefined || pageIndex === '0')) {
      const key = `${today()}/${usageKey}`;
      const read = consent.accessReads.get(key);
      if (read === undefined || read.has(endpoint)) {
        const used = consent.usage.get(key) ?? 0;
        if (used >= consent.frequencyPerDay) {
          void send(reply, request, 429, tppError('ACCESS_EXCEEDED', `frequencyPerDay (${consent.frequencyPerDay}) is spent for today`));
          return undefined;
        }
        consent.usage.set(key, used + 1);
        consent.accessReads.set(key, new Set([endpoint]));
      } else read.add(endpoint);
    }
    consent.lastActionDate = today();
    return consent;
  }

  /** Applies the standing fault to a data call: true when it answered, or the next-link fault the answer must carry. */
  async function applyFault(request: FastifyRequest, reply: FastifyReply): Promise<boolean | 'loopingNext' | 'malformedNext'> {
    const f = fault.take();
    if (f === undefined) return false;
    switch (f.type) {
      case 'latency':
        await new Promise((r) => setTimeout(r, f.delayMs));
        return false;
      case 'status':
        if (f.retryAfter !== undefined) void reply.header('retry-after', f.retryAfter);
        await send(reply, request, f.status, tppError(f.status === 429 ? 'ACCESS_EXCEEDED' : 'INTERNAL_SERVER_ERROR', 'injected fault'));
        return true;
      case 'malformedBody':
        await reply.code(200).type('application/json').send('{"accounts": [');
        return true;
      case 'dropConnection':
        request.raw.socket.destroy();
        return true;
      case 'loopingNext':
      case 'malformedNext':
        return f.type;
    }
  }

  const accountOf = (consent: BerlinGroupConsent, resourceId: string): BerlinGroupAccount | undefined =>
    users.get(consent.login ?? '')?.accounts.find((a) => a.resourceId === resourceId);

  const accountJson = (a: BerlinGroupAccount) => ({
    resourceId: a.resourceId,
    iban: a.iban,
    currency: a.currency,
    name: a.name,
    product: a.product,
    cashAccountType: a.cashAccountType,
    status: 'enabled',
    _links: { balances: { href: `/v1/accounts/${a.resourceId}/balances` }, transactions: { href: `/v1/accounts/${a.resourceId}/transactions` } },
  });

  const txJson = (a: BerlinGroupAccount, t: BerlinGroupTransaction) => ({
    transactionId: t.transactionId,
    ...(t.entryReference !== undefined ? { entryReference: t.entryReference } : {}),
    ...(t.bookingDate !== undefined ? { bookingDate: t.bookingDate } : {}),
    ...(t.valueDate !== undefined ? { valueDate: t.valueDate } : {}),
    transactionAmount: { currency: a.currency, amount: amountText(t.amountMinor) },
    ...(t.creditorName !== undefined ? { creditorName: t.creditorName } : {}),
    ...(t.debtorName !== undefined ? { debtorName: t.debtorName } : {}),
    remittanceInformationUnstructured: t.remittanceInformationUnstructured,
  });

  const bookedBalance = (a: BerlinGroupAccount, upTo: IsoDate): bigint =>
    a.booked.filter((t) => (t.bookingDate ?? entryDayOf(t)) <= upTo).reduce((sum, t) => sum + t.amountMinor, a.openingBalanceMinor);

  // --- consents ---------------------------------------------------------------------------

  app.post('/v1/consents', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const requestId = header(request, 'x-request-id');
    const redirectUri = header(request, 'tpp-redirect-uri');
    const problems: string[] = [];
    if (requestId === undefined || !UUID.test(requestId)) problems.push('X-Request-ID must be a UUID');
    if (header(request, 'psu-ip-address') === undefined) problems.push('PSU-IP-Address is mandatory');
    if (redirectUri === undefined) problems.push('TPP-Redirect-URI is required (this bank offers the redirect approach)');
    if (typeof body['access'] !== 'object' || body['access'] === null) problems.push('access is required');
    if (typeof body['recurringIndicator'] !== 'boolean') problems.push('recurringIndicator must be a boolean');
    if (typeof body['validUntil'] !== 'string' || !isIsoDate(body['validUntil'])) problems.push('validUntil must be an ISO date');
    const frequency = body['frequencyPerDay'];
    if (typeof frequency !== 'number' || !Number.isInteger(frequency) || frequency < 1) problems.push('frequencyPerDay must be an integer ≥ 1');
    if (typeof body['combinedServiceIndicator'] !== 'boolean') problems.push('combinedServiceIndicator must be a boolean');
    if (problems.length > 0) return send(reply, request, 400, tppError('FORMAT_ERROR', problems.join('; ')));
    // A one-off consent allows one access; the bank keeps at most 4 unattended accesses a day.
    const recurring = body['recurringIndicator'] as boolean;
    const validUntil = body['validUntil'] as IsoDate;
    const maxValid = addDays(today(), 180);
    const consent: BerlinGroupConsent = {
      consentId: randomUUID(),
      status: 'received',
      recurringIndicator: recurring,
      validUntil: validUntil > maxValid ? maxValid : validUntil,
      frequencyPerDay: recurring ? (frequency as number) : 1,
      combinedServiceIndicator: body['combinedServiceIndicator'] as boolean,
      access: body['access'] as Record<string, unknown>,
      redirectUri: redirectUri as string,
      nokRedirectUri: header(request, 'tpp-nok-redirect-uri'),
      lastActionDate: today(),
      usage: new Map(),
      accessReads: new Map(),
    };
    consents.set(consent.consentId, consent);
    void reply.header('location', `${base}/v1/consents/${consent.consentId}`).header('aspsp-sca-approach', 'REDIRECT');
    return send(reply, request, 201, {
      consentStatus: 'received',
      consentId: consent.consentId,
      _links: {
        scaOAuth: { href: `${base}/.well-known/oauth-authorization-server` },
        self: { href: `/v1/consents/${consent.consentId}` },
        status: { href: `/v1/consents/${consent.consentId}/status` },
      },
    });
  });

  /** Consent reads and DELETE: the TPP's own (X-Request-ID), by consent id. */
  const consentFor = (request: FastifyRequest, reply: FastifyReply): BerlinGroupConsent | undefined => {
    const requestId = header(request, 'x-request-id');
    if (requestId === undefined || !UUID.test(requestId)) {
      void send(reply, request, 400, tppError('FORMAT_ERROR', 'X-Request-ID must be a UUID'));
      return undefined;
    }
    const consent = consents.get((request.params as { consentId: string }).consentId);
    if (consent === undefined) void send(reply, request, 403, tppError('CONSENT_UNKNOWN', 'no such consent'));
    return consent;
  };

  app.get('/v1/consents/:consentId', async (request, reply) => {
    const c = consentFor(request, reply);
    if (c === undefined) return reply;
    return send(reply, request, 200, {
      access: c.access,
      recurringIndicator: c.recurringIndicator,
      validUntil: c.validUntil,
      frequencyPerDay: c.frequencyPerDay,
      lastActionDate: c.lastActionDate,
      consentStatus: statusOf(c),
      _links: { status: { href: `/v1/consents/${c.consentId}/status` } },
    });
  });

  app.get('/v1/consents/:consentId/status', async (request, reply) => {
    const c = consentFor(request, reply);
    if (c === undefined) return reply;
    return send(reply, request, 200, { consentStatus: statusOf(c) });
  });

  app.delete('/v1/consents/:consentId', async (request, reply) => {
    const c = consentFor(request, reply);
    if (c === undefined) return reply;
    if (c.status === 'valid' || c.status === 'received' || c.status === 'partiallyAuthorised') c.status = 'terminatedByTpp';
    for (const t of tokens.values()) if (t.consentId === c.consentId) t.revoked = true;
    return send(reply, request, 204);
  });

  // --- OAuth SCA approach ----------------------------------------------------------------

  app.get('/.well-known/oauth-authorization-server', async (_request, reply) =>
    reply.type('application/json').send({
      issuer: base,
      authorization_endpoint: `${base}/oauth/authorize`,
      token_endpoint: `${base}/oauth/token`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
    }),
  );

  const scaPage = (q: Record<string, string>, message = '') => {
    const hidden = Object.entries(q)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('');
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sandbox Bank (Berlin Group) — authorise access</title></head><body>
<h1>Sandbox Bank — authorise account access</h1>${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/oauth/authorize">${hidden}
<label>Online banking login <input name="login" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit" name="decision" value="approve">Authorise</button> <button type="submit" name="decision" value="deny">Deny</button></form></body></html>`;
  };

  /** The authorisation request's consent, checked (AIS:<consentId> scope, the consent's own redirect URI, PKCE S256). */
  const authorizeRequest = (q: Record<string, string>): { consent: BerlinGroupConsent } | { problem: string } => {
    const consentId = /^AIS:(.+)$/.exec(q['scope'] ?? '')?.[1];
    const consent = consentId === undefined ? undefined : consents.get(consentId);
    if (consent === undefined) return { problem: 'scope must name a consent (AIS:<consentId>)' };
    if (q['response_type'] !== 'code') return { problem: 'response_type must be code' };
    if (q['redirect_uri'] === undefined || !q['redirect_uri'].startsWith(consent.redirectUri.split('?')[0] as string)) return { problem: 'redirect_uri does not match the consent' };
    if (q['code_challenge_method'] !== 'S256' || !q['code_challenge']) return { problem: 'PKCE S256 is required' };
    if (consent.status !== 'received') return { problem: `the consent is ${consent.status}` };
    return { consent };
  };

  app.get('/oauth/authorize', async (request, reply) => {
    const q = request.query as Record<string, string>;
    const checked = authorizeRequest(q);
    if ('problem' in checked) return reply.code(400).type('text/html').send(`<!doctype html><p>${escapeHtml(checked.problem)}</p>`);
    return reply.type('text/html').send(scaPage(q));
  });

  app.post('/oauth/authorize', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string>;
    const { login, password, decision, ...q } = form;
    const checked = authorizeRequest(q);
    if ('problem' in checked) return reply.code(400).type('text/html').send(`<!doctype html><p>${escapeHtml(checked.problem)}</p>`);
    const back = new URL(q['redirect_uri'] as string);
    if (q['state'] !== undefined) back.searchParams.set('state', q['state']);
    const user = users.get(login ?? '');
    if (decision === 'deny' || user === undefined || user.password !== password) {
      // A refused or failed login rejects the consent (the TPP starts again).
      checked.consent.status = 'rejected';
      back.searchParams.set('error', 'access_denied');
      return reply.redirect(back.toString(), 302);
    }
    checked.consent.status = 'valid';
    checked.consent.login = user.login;
    const code = randomBytes(24).toString('base64url');
    codes.set(code, { consentId: checked.consent.consentId, redirectUri: q['redirect_uri'] as string, codeChallenge: q['code_challenge'] as string, used: false });
    back.searchParams.set('code', code);
    return reply.redirect(back.toString(), 302);
  });

  const issueTokens = (consentId: string) => {
    const access = randomBytes(24).toString('base64url');
    const refresh = randomBytes(24).toString('base64url');
    tokens.set(access, { consentId, kind: 'access', revoked: false });
    tokens.set(refresh, { consentId, kind: 'refresh', revoked: false });
    return { access_token: access, token_type: 'Bearer', expires_in: 3600, refresh_token: refresh, scope: `AIS:${consentId}` };
  };

  app.post('/oauth/token', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string>;
    const invalid = (what: string) => reply.code(400).type('application/json').send({ error: 'invalid_grant', error_description: what });
    if (form['grant_type'] === 'authorization_code') {
      const code = codes.get(form['code'] ?? '');
      if (code === undefined || code.used) return invalid('unknown or used code');
      code.used = true;
      if (code.redirectUri !== form['redirect_uri']) return invalid('redirect_uri does not match');
      if (pkceS256(form['code_verifier'] ?? '') !== code.codeChallenge) return invalid('code_verifier does not match');
      return reply.type('application/json').send(issueTokens(code.consentId));
    }
    if (form['grant_type'] === 'refresh_token') {
      const old = tokens.get(form['refresh_token'] ?? '');
      if (old === undefined || old.kind !== 'refresh' || old.revoked) return invalid('unknown or used refresh token');
      const consent = consents.get(old.consentId);
      if (consent === undefined || statusOf(consent) !== 'valid') return invalid(`the consent is ${consent ? consent.status : 'unknown'}`);
      // Rotation: the old refresh token and every access token of the consent stop working.
      for (const t of tokens.values()) if (t.consentId === old.consentId) t.revoked = true;
      return reply.type('application/json').send(issueTokens(old.consentId));
    }
    return reply.code(400).type('application/json').send({ error: 'unsupported_grant_type' });
  });

  // --- AIS data ---------------------------------------------------------------------------

  const record = (request: FastifyRequest, reply: FastifyReply) => {
    const [path] = request.url.split('?');
    const psuIpAddress = header(request, 'psu-ip-address');
    const entry = { method: request.method, path: path ?? request.url, query: { ...(request.query as Record<string, string>) }, ...(psuIpAddress !== undefined ? { psuIpAddress } : {}) };
    log.push(entry);
    reply.raw.once('finish', () => Object.assign(entry, { status: reply.statusCode }));
  };

  app.get('/v1/accounts', async (request, reply) => {
    record(request, reply);
    if ((await applyFault(request, reply)) === true) return reply;
    const consent = authorise(request, reply, 'accounts', 'accounts');
    if (consent === undefined) return reply;
    const user = users.get(consent.login ?? '');
    return send(reply, request, 200, { accounts: (user?.accounts ?? []).map(accountJson) });
  });

  app.get('/v1/accounts/:accountId/balances', async (request, reply) => {
    record(request, reply);
    if ((await applyFault(request, reply)) === true) return reply;
    const { accountId } = request.params as { accountId: string };
    const consent = authorise(request, reply, accountId, 'balances');
    if (consent === undefined) return reply;
    const account = accountOf(consent, accountId);
    if (account === undefined) return send(reply, request, 404, tppError('RESOURCE_UNKNOWN', 'no such account'));
    const day = today();
    const booked = bookedBalance(account, day);
    const available = account.pending.reduce((sum, t) => sum + t.amountMinor, booked);
    return send(reply, request, 200, {
      account: { iban: account.iban, currency: account.currency },
      balances: [
        { balanceAmount: { currency: account.currency, amount: amountText(booked) }, balanceType: 'closingBooked', referenceDate: day },
        { balanceAmount: { currency: account.currency, amount: amountText(available) }, balanceType: 'interimAvailable', referenceDate: day },
      ],
    });
  });

  app.get('/v1/accounts/:accountId/transactions', async (request, reply) => {
    record(request, reply);
    const applied = await applyFault(request, reply);
    if (applied === true) return reply;
    const { accountId } = request.params as { accountId: string };
    const q = request.query as Record<string, string | undefined>;
    const status = q['bookingStatus'];
    if (status !== 'booked' && status !== 'pending' && status !== 'both') return send(reply, request, 400, tppError('FORMAT_ERROR', 'bookingStatus must be booked, pending or both'));
    const from = q['dateFrom'];
    const to = q['dateTo'] ?? today();
    if (from === undefined || !isIsoDate(from) || !isIsoDate(to) || from > to) return send(reply, request, 400, tppError('PERIOD_INVALID', 'dateFrom (required) and dateTo must be ISO dates, dateFrom ≤ dateTo'));
    const pageIndex = q['pageIndex'] === undefined ? 0 : Number(q['pageIndex']);
    const asked = q['itemsPerPage'] === undefined ? pageSize : Number(q['itemsPerPage']);
    if (!Number.isInteger(pageIndex) || pageIndex < 0 || !Number.isInteger(asked) || asked < 1) return send(reply, request, 400, tppError('FORMAT_ERROR', 'pageIndex and itemsPerPage must be non-negative integers'));
    const consent = authorise(request, reply, accountId, `transactions?bookingStatus=${status ?? ''}`);
    if (consent === undefined) return reply;
    const account = accountOf(consent, accountId);
    if (account === undefined) return send(reply, request, 404, tppError('RESOURCE_UNKNOWN', 'no such account'));
    const inWindow = (d: IsoDate) => d >= from && d <= to;
    const items: Array<{ kind: 'booked' | 'pending'; t: BerlinGroupTransaction }> = [
      ...(status !== 'pending' ? account.booked.filter((t) => inWindow(t.bookingDate ?? entryDayOf(t))).map((t) => ({ kind: 'booked' as const, t })) : []),
      ...(status !== 'booked' ? account.pending.filter((t) => inWindow(entryDayOf(t))).map((t) => ({ kind: 'pending' as const, t })) : []),
    ];
    const size = Math.min(asked, pageSize);
    const page = items.slice(pageIndex * size, (pageIndex + 1) * size);
    const link = (index: number) => {
      const params = new URLSearchParams({ dateFrom: from, dateTo: to, bookingStatus: status, pageIndex: String(index) });
      if (q['itemsPerPage'] !== undefined) params.set('itemsPerPage', String(asked));
      return { href: `/v1/accounts/${accountId}/transactions?${params.toString()}` };
    };
    const last = Math.max(0, Math.ceil(items.length / size) - 1);
    const links = {
      account: { href: `/v1/accounts/${accountId}` },
      first: link(0),
      ...(pageIndex > 0 ? { previous: link(pageIndex - 1) } : {}),
      ...(applied === 'loopingNext' ? { next: link(pageIndex) } : applied === 'malformedNext' ? { next: { href: 'http://[not-a-link' } } : pageIndex < last ? { next: link(pageIndex + 1) } : {}),
      last: link(last),
    };
    return send(reply, request, 200, {
      account: { iban: account.iban, currency: account.currency },
      transactions: {
        ...(status !== 'pending' ? { booked: page.filter((i) => i.kind === 'booked').map((i) => txJson(account, i.t)) } : {}),
        ...(status !== 'booked' ? { pending: page.filter((i) => i.kind === 'pending').map((i) => txJson(account, i.t)) } : {}),
        _links: links,
      },
    });
  });

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the Berlin Group sandbox did not get a TCP address');
  const hostEntry = `${options.host ?? '127.0.0.1'}:${address.port}`;
  base = `http://${hostEntry}`;

  return {
    url: base,
    hostEntry,
    setFault(f) {
      fault.set(f);
    },
    requests: () => log.map((e) => ({ ...e })),
    answers: () => [...answers],
    testHooks: {
      consent: (id) => consents.get(id),
      consentsOf: (login) => [...consents.values()].filter((c) => c.login === login),
      revokeByPsu(id) {
        const c = consents.get(id);
        if (c) c.status = 'revokedByPsu';
      },
      expire(id) {
        const c = consents.get(id);
        if (c) c.status = 'expired';
      },
      bookPending(resourceId) {
        for (const user of users.values()) {
          for (const account of user.accounts.filter((a) => a.resourceId === resourceId)) {
            account.booked.push(...account.pending.map((t) => ({ ...t, bookingDate: t.bookingDate ?? entryDayOf(t), valueDate: t.valueDate ?? entryDayOf(t) })));
            account.pending.length = 0;
          }
        }
      },
      async approve(url, login, password) {
        const target = new URL(url);
        const form = new URLSearchParams({ ...Object.fromEntries(target.searchParams), login, password, decision: 'approve' });
        const res = await fetch(`${base}/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        const location = res.headers.get('location');
        if (res.status !== 302 || location === null) throw new Error(`the SCA page answered ${res.status}`);
        return Object.fromEntries(new URL(location).searchParams);
      },
    },
    async close() {
      for (const s of sockets) s.destroy();
      await app.close();
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
