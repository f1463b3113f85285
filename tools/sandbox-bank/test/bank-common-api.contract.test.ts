/**
 * Contract test: every operation's answers, success and the errors the spec declares,
 * validated against ../shared/specs/bank-common-api.yaml (Swagger 2.0) — dereferenced by
 * swagger-parser, each response body checked by ajv against the schema the spec gives
 * for that operation and status. Where ../shared is missing the suite is reported as
 * skipped, visibly, never silently passed.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { describeWithSharedFile } from '../../jest/shared-files';
import { manualClock, startBankCommonApiSandbox, type BankCommonApiSandbox, type SandboxBank } from '../src';
import { closed, jsonSchemaOf, withTransactionDateTime, type Schema } from '../src/spec';
import { authTokenOf, call, field, loginThroughPage, systemToken, testBank, userTokens, type Answer } from './support';


interface SpecOperation {
  readonly produces?: readonly string[];
  readonly responses: Readonly<Record<string, { readonly schema?: object }>>;
}
type Spec = { readonly paths: Readonly<Record<string, Readonly<Record<string, SpecOperation>>>> };

describeWithSharedFile('specs/bank-common-api.yaml', 'bank-common-api contract (../shared/specs/bank-common-api.yaml)', (specFile) => {
  const clock = manualClock('2020-06-01T10:00:00+09:00');
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validators = new Map<string, ValidateFunction>();
  const covered = new Set<string>();
  let spec: Spec;
  let sandbox: BankCommonApiSandbox;
  let bank: SandboxBank;
  let plainDates: SandboxBank;
  const alice = { id: 'alice', password: 'alice-pass' };

  beforeAll(async () => {
    // validate() also checks the document itself against the Swagger 2.0 schema.
    spec = (await SwaggerParser.validate(specFile.path)) as unknown as Spec;
    sandbox = await startBankCommonApiSandbox({
      seed: 'contract',
      clock,
      banks: [
        testBank({ pageSize: 200, users: [{ ...alice, accounts: 4, transactionsPerAccount: 450, historyDays: 200 }] }),
        testBank({ bankCode: '0005', passwordLogin: false, transactionDateFormat: 'date', users: [{ ...alice, accounts: 1, transactionsPerAccount: 30 }] }),
      ],
    });
    bank = sandbox.bank('0001');
    plainDates = sandbox.bank('0005');
  });
  afterAll(() => sandbox?.close());

  function operation(method: string, specPath: string): SpecOperation {
    const op = spec.paths[specPath]?.[method.toLowerCase()];
    if (!op) throw new Error(`${method} ${specPath} is not in the spec`);
    return op;
  }

  function validator(key: string, schema: Schema): ValidateFunction {
    let v = validators.get(key);
    if (!v) {
      v = ajv.compile(schema);
      validators.set(key, v);
    }
    return v;
  }

  /** Checks an answer against the spec: declared status, declared content type, body schema (as written and closed). */
  function conforms(method: string, specPath: string, answer: Answer, adapt: (s: Schema) => Schema = (s) => s): void {
    covered.add(`${method} ${specPath} ${answer.status}`);
    const op = operation(method, specPath);
    const response = op.responses[String(answer.status)];
    expect({ operation: `${method} ${specPath}`, status: answer.status, declared: response !== undefined }).toEqual({
      operation: `${method} ${specPath}`,
      status: answer.status,
      declared: true,
    });
    const type = answer.headers.get('content-type') ?? '';
    if (answer.status === 200 && op.produces?.includes('text/html')) expect(type).toMatch(/^text\/html/);
    if (answer.status === 200 && op.produces?.includes('application/json')) expect(type).toMatch(/^application\/json/);
    if (!response?.schema) return;
    const schema = adapt(jsonSchemaOf(response.schema as Schema));
    for (const [label, s] of [['as written', schema], ['closed', closed(schema)]] as const) {
      const validate = validator(`${method} ${specPath} ${answer.status} ${label} ${adapt.name}`, s);
      const valid = validate(answer.body);
      expect({ operation: `${method} ${specPath}`, schema: label, errors: valid ? null : ajv.errorsText(validate.errors) }).toEqual({
        operation: `${method} ${specPath}`,
        schema: label,
        errors: null,
      });
    }
  }

  it('POST /auth/system_token', async () => {
    conforms('POST', '/auth/system_token', await call(bank, 'POST', '/auth/system_token', { body: { api_key: 'test-key', password: 'test-secret', grants: 'read,write' } }));
    conforms('POST', '/auth/system_token', await call(bank, 'POST', '/auth/system_token', { body: { api_key: 'test-key' } }));
  });

  it('GET /auth/login', async () => {
    const q = (redirect: string) => ({ query: { api_key: 'test-key', redirect_uri: redirect, grants: '*' } });
    conforms('GET', '/auth/login', await call(bank, 'GET', '/auth/login', q('http://127.0.0.1/cb')));
    conforms('GET', '/auth/login', await call(bank, 'GET', '/auth/login', q('not a uri')));
  });

  it('POST /auth/login (offered, and not offered: 404)', async () => {
    const body = { api_key: 'test-key', grants: '*', id: 'alice', password: 'alice-pass' };
    conforms('POST', '/auth/login', await call(bank, 'POST', '/auth/login', { body }));
    conforms('POST', '/auth/login', await call(bank, 'POST', '/auth/login', { body: { api_key: 'test-key' } }));
    conforms('POST', '/auth/login', await call(plainDates, 'POST', '/auth/login', { body: { ...body } }));
  });

  it('POST, PUT and DELETE /auth/token', async () => {
    const system = await systemToken(bank);
    const authToken = authTokenOf(await loginThroughPage(bank, alice));
    const issued = await call(bank, 'POST', '/auth/token', { token: system, body: { api_key: 'test-key', password: 'test-secret', auth_token: authToken } });
    conforms('POST', '/auth/token', issued);
    conforms('POST', '/auth/token', await call(bank, 'POST', '/auth/token', { token: system, body: { api_key: 'test-key' } }));
    const refreshed = await call(bank, 'PUT', '/auth/token', { token: system, body: { api_key: 'test-key', refresh_token: field<string>(issued, 'refresh_token') } });
    conforms('PUT', '/auth/token', refreshed);
    conforms('PUT', '/auth/token', await call(bank, 'PUT', '/auth/token', { token: system, body: { refresh_token: 'x' } }));
    conforms('DELETE', '/auth/token', await call(bank, 'DELETE', '/auth/token', { token: system, body: { api_key: 'test-key', refresh_token: field<string>(refreshed, 'refresh_token') } }));
    conforms('DELETE', '/auth/token', await call(bank, 'DELETE', '/auth/token', { token: system, body: {} }));
  });

  it('GET /branches, /accounts, /transactions and /balances', async () => {
    const { access } = await userTokens(bank, alice);
    conforms('GET', '/branches', await call(bank, 'GET', '/branches', { token: access }));
    conforms('GET', '/branches', await call(bank, 'GET', '/branches', { token: await systemToken(bank), query: { page: 3 } }));
    conforms('GET', '/branches', await call(bank, 'GET', '/branches', { token: access, query: { page: 'x' } }));
    const accounts = await call(bank, 'GET', '/accounts', { token: access });
    conforms('GET', '/accounts', accounts);
    conforms('GET', '/accounts', await call(bank, 'GET', '/accounts', { token: access, query: { page: '-1' } }));
    for (const account of field<Array<{ id: string }>>(accounts, 'accounts')) {
      for (const page of [1, 3]) {
        const query = { account_id: account.id, start_date: '2019-11-01', end_date: '2020-06-01', page };
        const txs = await call(bank, 'GET', '/transactions', { token: access, query });
        expect(txs.status).toBe(200);
        conforms('GET', '/transactions', txs, withTransactionDateTime);
        conforms('GET', '/balances', await call(bank, 'GET', '/balances', { token: access, query }));
      }
    }
    const bad = { account_id: field<Array<{ id: string }>>(accounts, 'accounts')[0]?.id as string, start_date: '2020-13-01', end_date: '2020-06-01' };
    conforms('GET', '/transactions', await call(bank, 'GET', '/transactions', { token: access, query: bad }));
    conforms('GET', '/balances', await call(bank, 'GET', '/balances', { token: access, query: bad }));
  });

  it('GET /transactions with plain dates matches the schema exactly as written', async () => {
    const { access } = await userTokens(plainDates, alice);
    const id = sandbox.truth.accounts('0005', 'alice')[0]?.accountId as string;
    const txs = await call(plainDates, 'GET', '/transactions', { token: access, query: { account_id: id, start_date: '2019-01-01', end_date: '2020-06-01' } });
    expect(field<unknown[]>(txs, 'transactions').length).toBe(30);
    conforms('GET', '/transactions', txs);
  });

  it('the seed\'s own example of a transaction date is a date-time, which is why date-time answers are read that way', () => {
    const items = (((operation('GET', '/transactions').responses['200']?.schema as Schema)['properties'] as Schema)['transactions'] as Schema)['items'] as Schema;
    const date = (items['properties'] as Record<string, Schema>)['date'] as Schema;
    expect(date).toMatchObject({ format: 'date', example: '2020-01-10T13:15:35+09:00' });
    expect(ajv.validate({ type: 'string', format: 'date' }, date['example'])).toBe(false);
    expect(ajv.validate({ type: 'string', format: 'date-time' }, date['example'])).toBe(true);
  });

  it('500 Internal Server Error, declared by every operation, is what the fault knob answers', async () => {
    const { access, system } = await userTokens(bank, alice);
    const requests: Array<[string, string, () => Promise<Answer>]> = [
      ['POST', '/auth/system_token', () => call(bank, 'POST', '/auth/system_token', { body: { api_key: 'test-key', password: 'test-secret' } })],
      ['GET', '/auth/login', () => call(bank, 'GET', '/auth/login', { query: { api_key: 'test-key', redirect_uri: 'http://localhost/' } })],
      ['POST', '/auth/login', () => call(bank, 'POST', '/auth/login', { body: { api_key: 'test-key', id: 'alice', password: 'alice-pass' } })],
      ['POST', '/auth/token', () => call(bank, 'POST', '/auth/token', { token: system, body: {} })],
      ['PUT', '/auth/token', () => call(bank, 'PUT', '/auth/token', { token: system, body: {} })],
      ['DELETE', '/auth/token', () => call(bank, 'DELETE', '/auth/token', { token: system, body: {} })],
      ['GET', '/branches', () => call(bank, 'GET', '/branches', { token: access })],
      ['GET', '/accounts', () => call(bank, 'GET', '/accounts', { token: access })],
      ['GET', '/transactions', () => call(bank, 'GET', '/transactions', { token: access, query: { account_id: 'x', start_date: '2020-01-01', end_date: '2020-01-02' } })],
      ['GET', '/balances', () => call(bank, 'GET', '/balances', { token: access, query: { account_id: 'x', start_date: '2020-01-01', end_date: '2020-01-02' } })],
    ];
    for (const [method, specPath, request] of requests) {
      bank.knobs.faults.failNext(1, 500, { operations: [`${method} ${specPath}`] });
      const answer = await request();
      expect(answer.status).toBe(500);
      conforms(method, specPath, answer);
    }
    // Every operation of the spec was exercised here.
    const specOperations = Object.entries(spec.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(requests.map(([m, p]) => `${m} ${p}`).sort()).toEqual(specOperations.sort());
  });

  it('covered every status the spec declares, for every operation', () => {
    const declared = Object.entries(spec.paths).flatMap(([p, ops]) =>
      Object.entries(ops).flatMap(([m, op]) => Object.keys(op.responses).map((status) => `${m.toUpperCase()} ${p} ${status}`)),
    );
    expect(declared.filter((d) => !covered.has(d))).toEqual([]);
  });
});
