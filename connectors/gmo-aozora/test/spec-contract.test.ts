/**
 * Contract test: the sandbox's answers — and the query parameters the connector sends — checked
 * against the published ../shared/specs/gmo-aozora/personal-swagger.yaml (Swagger 2.0, basePath
 * /ganb/api/personal/v1): each answer's status must be one the operation declares and its body
 * must validate (ajv) against the schema declared for that status (ErrorResponse for errors).
 * Every query parameter the connector sent must be declared by its operation, be within the
 * lengths the parameter's description states (the file writes them there: "minLength: 12"), and
 * every required one must be present. Where ../shared is absent the suite is reported as skipped, visibly.
 */
import { collectPages, type ConnectorClient, type Grant } from '@kinko/connector-sdk';
import { addDays } from '@kinko/domain';
import { gmoAozora } from '../src';
import { BASE_PATH, startSandboxBank, type SandboxBank } from './sandbox/bank';
import { gmoAozoraSoleProprietorUser } from '@kinko/sandbox-bank';
import { demoToday, demoUser, loginThroughSandbox } from './sandbox/demo';
import { GMO_AOZORA_SPEC, gmoAozoraSpecChecker, type GmoAozoraSpec, type GmoAozoraSpecChecker, type GmoAozoraSpecOperation } from '@kinko/sandbox-bank/spec';
import { describeWithSharedFile } from '../../../tools/jest/shared-files';

describeWithSharedFile(GMO_AOZORA_SPEC, 'GMO Aozora contract (../shared/specs/gmo-aozora/personal-swagger.yaml)', (specFile) => {
  const user = demoUser(demoToday);
  const main = user.accounts[0]!;
  let spec: GmoAozoraSpec;
  let checker: GmoAozoraSpecChecker;
  let bank: SandboxBank;
  let client: ConnectorClient;
  let grant: Grant;
  let token: string;
  // taro, a 個人事業主 with つかいわけ口座: deposit-transactions and spAccounts answer for him.
  const taro = gmoAozoraSoleProprietorUser(demoToday);
  const shop = taro.accounts[0]!;
  const tax = taro.spAccounts!.find((a) => a.spAccountTypeCode === '2')!;
  let taroToken: string;
  const tokenOf = (g: Grant): string => {
    const serialised = gmoAozora.serializeGrant(g);
    return serialised.ok ? (JSON.parse(serialised.value) as { accessToken: string }).accessToken : '';
  };

  beforeAll(async () => {
    checker = await gmoAozoraSpecChecker(specFile.path);
    spec = checker.spec;
    bank = await startSandboxBank({ clientId: 'kinko', clientSecret: 'secret', users: [user, taro], today: demoToday });
    client = gmoAozora.create({ config: { baseUrl: bank.baseUrl, clientId: 'kinko', clientSecret: 'secret' }, extraAllowedHosts: [bank.host] });
    grant = await loginThroughSandbox(client, bank, user);
    const serialised = gmoAozora.serializeGrant(grant);
    token = serialised.ok ? (JSON.parse(serialised.value) as { accessToken: string }).accessToken : '';
    // The connector's reads, recorded by the bank, for the parameter check below.
    await collectPages(client.accounts(grant));
    await client.currentBalances(grant, { bankAccountId: main.accountId });
    await collectPages(client.transactions(grant, { bankAccountId: main.accountId, kind: 'booked', window: { from: addDays(demoToday, -199), to: demoToday } }));
    // taro's: the つかいわけ口座 and the senders of his incoming transfers.
    const taroGrant = await loginThroughSandbox(client, bank, taro);
    taroToken = tokenOf(taroGrant);
    await collectPages(client.accounts(taroGrant));
    await client.currentBalances(taroGrant, { bankAccountId: tax.accountId });
    for (const id of [shop.accountId, tax.accountId]) await collectPages(client.transactions(taroGrant, { bankAccountId: id, kind: 'booked', window: { from: addDays(demoToday, -59), to: demoToday } }));
  });
  afterAll(async () => {
    await client?.close();
    await bank?.close();
  });

  const operation = (specPath: string): GmoAozoraSpecOperation => {
    const op = spec.paths[specPath]?.['get'];
    if (op === undefined) throw new Error(`GET ${specPath} is not in the spec`);
    return op;
  };

  async function conforms(specPath: string, query: Record<string, string>, accessToken = token): Promise<{ status: number; body: unknown }> {
    const url = new URL(`${bank.baseUrl}${spec.basePath}${specPath}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const res = await fetch(url, { headers: { accept: 'application/json;charset=UTF-8', 'x-access-token': accessToken } });
    const body: unknown = await res.json();
    expect({ specPath, status: res.status, problems: checker.problems({ path: url.pathname, status: res.status, body }) }).toEqual({ specPath, status: res.status, problems: [] });
    return { status: res.status, body };
  }

  it('the sandbox serves the spec’s basePath', () => {
    expect(spec.basePath).toBe(BASE_PATH);
  });

  it('GET /accounts and GET /accounts/balances (all, and one account) answer the declared schemas', async () => {
    expect((await conforms('/accounts', {})).status).toBe(200);
    expect((await conforms('/accounts/balances', {})).status).toBe(200);
    const one = await conforms('/accounts/balances', { accountId: main.accountId });
    expect(one.body).toMatchObject({ balances: [{ accountId: main.accountId }] });
  });

  it('GET /accounts/transactions: every page of a window, followed by nextItemKey, answers TransactionsResponse', async () => {
    const query = { accountId: main.accountId, dateFrom: addDays(demoToday, -199), dateTo: demoToday };
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await conforms('/accounts/transactions', next === undefined ? query : { ...query, nextItemKey: next });
      next = (page.body as { nextItemKey?: string }).nextItemKey;
      pages += 1;
    } while (next !== undefined);
    expect(pages).toBe(2);
    // The spec's other period cases: none (today), from only, to only.
    const cases: ReadonlyArray<Record<string, string>> = [{}, { dateFrom: demoToday }, { dateTo: addDays(demoToday, -190) }];
    for (const q of cases) expect((await conforms('/accounts/transactions', { accountId: main.accountId, ...q })).status).toBe(200);
  });

  it('つかいわけ口座: GET /accounts with spAccounts, /accounts/balances with spAccountBalances (all, and one), /accounts/transactions of a 子口座', async () => {
    const accounts = await conforms('/accounts', {}, taroToken);
    expect(accounts.body).toMatchObject({ spAccounts: [{ spAccountTypeCode: '1' }, { accountId: tax.accountId, spAccountTypeCode: '2', spAccountNumber: '1047570' }] });
    expect(await conforms('/accounts/balances', {}, taroToken)).toMatchObject({ status: 200, body: { spAccountBalances: [{}, { accountId: tax.accountId }] } });
    expect(await conforms('/accounts/balances', { accountId: tax.accountId }, taroToken)).toMatchObject({ body: { balances: [], spAccountBalances: [{ accountId: tax.accountId, odBalance: tax.odBalance }] } });
    const items = await conforms('/accounts/transactions', { accountId: tax.accountId, dateFrom: addDays(demoToday, -59), dateTo: demoToday }, taroToken);
    expect((items.body as { transactions: unknown[] }).transactions).toHaveLength(tax.transactions.length);
    // hanako has none: the spec leaves spAccounts out.
    expect((await conforms('/accounts', {})).body).not.toHaveProperty('spAccounts');
  });

  it('GET /accounts/deposit-transactions: every page for a 個人事業主 (DepositTransactionsResponse); 403 for a 個人, 400 for a つかいわけ口座 (ErrorResponse)', async () => {
    const query = { accountId: shop.accountId, dateFrom: addDays(demoToday, -59), dateTo: demoToday };
    bank.setFault(undefined);
    const first = await conforms('/accounts/deposit-transactions', query, taroToken);
    const arrivals = (first.body as { paymentArrivals: Array<{ itemKey: string; applicantName: string }> }).paymentArrivals;
    expect(arrivals.map((a) => a.itemKey)).toEqual(shop.transactions.filter((t) => t.arrival !== undefined).map((t) => t.itemKey));
    expect((await conforms('/accounts/deposit-transactions', { accountId: shop.accountId }, taroToken)).status).toBe(200);
    expect((await conforms('/accounts/deposit-transactions', { accountId: main.accountId })).status).toBe(403);
    expect((await conforms('/accounts/deposit-transactions', { accountId: tax.accountId }, taroToken)).status).toBe(400);
  });

  it('errors answer the declared ErrorResponse: 400 (dateFrom after dateTo), 401 (unknown token), 404 (unknown account), an injected 503', async () => {
    expect((await conforms('/accounts/transactions', { accountId: main.accountId, dateFrom: demoToday, dateTo: addDays(demoToday, -1) })).status).toBe(400);
    expect((await conforms('/accounts', {}, 'not-a-token')).status).toBe(401);
    expect((await conforms('/accounts/transactions', { accountId: '109999999999' })).status).toBe(404);
    bank.setFault({ type: 'status', status: 503, times: 1 });
    expect((await conforms('/accounts/balances', {})).status).toBe(503);
  });

  it('every query parameter the connector sent is declared, within its stated lengths, and every required one is there', () => {
    const sent = bank.requests.filter((r) => r.path.startsWith(BASE_PATH) && r.query['accountId'] !== '109999999999');
    expect(sent.map((r) => r.path.slice(BASE_PATH.length))).toEqual(expect.arrayContaining(['/accounts', '/accounts/balances', '/accounts/transactions', '/accounts/deposit-transactions']));
    for (const r of sent) {
      const specPath = r.path.slice(BASE_PATH.length);
      const params = (operation(specPath).parameters ?? []).filter((p) => p.in === 'query');
      for (const [name, value] of Object.entries(r.query)) {
        const p = params.find((x) => x.name === name);
        expect({ specPath, name, declared: p !== undefined }).toEqual({ specPath, name, declared: true });
        const min = Number(/minLength: (\d+)/.exec(p?.description ?? '')?.[1] ?? 0);
        const max = Number(/maxLength: (\d+)/.exec(p?.description ?? '')?.[1] ?? Infinity);
        expect({ specPath, name, value, fits: value.length >= min && value.length <= max }).toEqual({ specPath, name, value, fits: true });
        if (name === 'dateFrom' || name === 'dateTo') expect(value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
      for (const p of params.filter((x) => x.required === true)) expect({ specPath, required: p.name, present: p.name in r.query }).toEqual({ specPath, required: p.name, present: true });
    }
    // The token travels as the spec's x-access-token header, never in the query.
    expect(sent.every((r) => !Object.values(r.query).includes(token) && !Object.values(r.query).includes(taroToken))).toBe(true);
  });
});
