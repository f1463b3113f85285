/**
 * Contract test: the PolishAPI sandbox's answers — success and the errors the spec declares
 * (400, 401, 403, 405, 406, 415, 422, 429, 500, 501, 503) — checked against the published
 * ../shared/specs/polish-api/PolishAPI-ver2_1_2.yaml (Swagger 2.0): each answer's status
 * must be one the operation declares, and its body must validate (ajv) against the schema
 * declared for that status, both as written and "closed" (no property the spec does not
 * define). 200 answers must carry X-JWS-SIGNATURE, as the spec's response headers say.
 *
 * The document is dereferenced, not validated: swagger-parser's validation rejects the
 * published file itself (EatCodeRequest of authorizeExt requires an undeclared `requestId`).
 * Where ../shared is absent the suite is reported as skipped, visibly.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { describeWithSharedFile } from '../../jest/shared-files';
import { POLISH_API_PATHS, type PolishApiOperation } from '../src';
import { consentTokens, readAllPages, startTestBank, type Answer, type TestBank } from './polish-api-support';

type Schema = Record<string, unknown>;
interface SpecOperation {
  readonly responses: Readonly<Record<string, { readonly schema?: Schema; readonly headers?: Readonly<Record<string, unknown>> }>>;
}
type Spec = { readonly paths: Readonly<Record<string, Readonly<Record<string, SpecOperation>>>> };

/** Drops what JSON Schema does not know (Swagger's `example`, `xml`, `x-` extensions), never touching property names. */
function jsonSchemaOf(schema: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'example' || k === 'xml' || k.startsWith('x-') || k === 'discriminator') continue;
    if (k === 'properties' && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([n, s]) => [n, jsonSchemaOf(s)]));
    else if (k === 'items' && v && typeof v === 'object') out[k] = jsonSchemaOf(v as Schema);
    else if (k === 'allOf' && Array.isArray(v)) out[k] = v.map((s: Schema) => jsonSchemaOf(s));
    else out[k] = v;
  }
  return out;
}

/** One object schema from an allOf (properties and required merged), recursively. */
function flatten(schema: Schema): Schema {
  let out: Schema = { ...schema };
  if (Array.isArray(schema['allOf'])) {
    const parts = (schema['allOf'] as Schema[]).map(flatten);
    delete out['allOf'];
    const properties = Object.assign({}, ...parts.map((p) => (p['properties'] as Schema | undefined) ?? {}), out['properties'] ?? {});
    const required = [...new Set(parts.flatMap((p) => (p['required'] as string[] | undefined) ?? []).concat((out['required'] as string[] | undefined) ?? []))];
    out = { ...out, type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
  }
  if (out['properties']) out['properties'] = Object.fromEntries(Object.entries(out['properties'] as Record<string, Schema>).map(([n, s]) => [n, flatten(s)]));
  if (out['items']) out['items'] = flatten(out['items'] as Schema);
  return out;
}

/** The same schema, closed: no property the spec does not declare (objects with declared properties only). */
function closed(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (schema['properties']) {
    out['properties'] = Object.fromEntries(Object.entries(schema['properties'] as Record<string, Schema>).map(([k, s]) => [k, closed(s)]));
    out['additionalProperties'] = false;
  }
  if (schema['items']) out['items'] = closed(schema['items'] as Schema);
  return out;
}

describeWithSharedFile('specs/polish-api/PolishAPI-ver2_1_2.yaml', 'PolishAPI contract (../shared/specs/polish-api/PolishAPI-ver2_1_2.yaml)', (specFile) => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const f of ['int32', 'int64', 'double', 'float']) ajv.addFormat(f, true);
  const validators = new Map<string, ValidateFunction>();
  const covered = new Set<string>();
  let spec: Spec;
  let bank: TestBank;
  let token: string;
  let refreshToken: string;
  let iban: string;

  beforeAll(async () => {
    spec = (await SwaggerParser.dereference(specFile.path)) as unknown as Spec;
    bank = await startTestBank();
    ({ accessToken: token, refreshToken } = await consentTokens(bank, 'contract-1'));
    iban = bank.sandbox.truth.accounts('jan')[0]?.accountNumber as string;
  });
  afterAll(() => bank?.sandbox.close());

  function conforms(specPath: string, answer: Answer): void {
    covered.add(`${specPath} ${answer.status}`);
    const op = spec.paths[specPath]?.['post'];
    if (!op) throw new Error(`POST ${specPath} is not in the spec`);
    const response = op.responses[String(answer.status)];
    expect({ path: specPath, status: answer.status, declared: response !== undefined }).toEqual({ path: specPath, status: answer.status, declared: true });
    if (answer.status === 200) expect({ path: specPath, signed: answer.headers.get('x-jws-signature') !== null }).toEqual({ path: specPath, signed: true });
    if (!response?.schema) {
      expect(answer.text).toBe('');
      return;
    }
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    const schema = flatten(jsonSchemaOf(response.schema));
    for (const [label, s] of [['as written', schema], ['closed', closed(schema)]] as const) {
      const key = `${specPath} ${answer.status} ${label}`;
      let validate = validators.get(key);
      if (!validate) {
        validate = ajv.compile(s);
        validators.set(key, validate);
      }
      const valid = validate(answer.body);
      expect({ path: specPath, status: answer.status, schema: label, errors: valid ? null : ajv.errorsText(validate.errors) }).toEqual({
        path: specPath,
        status: answer.status,
        schema: label,
        errors: null,
      });
    }
  }

  const p = (op: PolishApiOperation): string => POLISH_API_PATHS[op];

  it('authorize and token answers match AuthorizeResponse and TokenResponse (with scope_details)', async () => {
    const authorize = await bank.tpp.authorize('contract-2', { days: 400 });
    conforms(p('authorize'), authorize);
    const redirect = bank.sandbox.testHooks.approveConsent(authorize.body['aspspRedirectUri'] as string, { user: 'jan' });
    conforms(p('token'), await bank.tpp.exchange(redirect.code as string));
    conforms(p('token'), await bank.tpp.refresh(refreshToken));
    const accountsOnly = await bank.tpp.authorize('contract-3', { scope: 'ais-accounts' });
    const accountsRedirect = bank.sandbox.testHooks.approveConsent(accountsOnly.body['aspspRedirectUri'] as string, { user: 'ewa' });
    conforms(p('token'), await bank.tpp.exchange(accountsRedirect.code as string));
  });

  it('every AIS listing, the account and the details match their response schemas', async () => {
    conforms(p('getAccounts'), await bank.tpp.call('getAccounts', { perPage: 1 }, { token }));
    conforms(p('getAccount'), await bank.tpp.call('getAccount', { accountNumber: iban }, { token }));
    const filters = { accountNumber: iban, transactionDateFrom: '2019-06-01', transactionDateTo: '2020-06-01', perPage: 200 };
    const done = await readAllPages(bank.tpp, 'getTransactionsDone', token, filters);
    for (const page of done.pages) conforms(p('getTransactionsDone'), page);
    const ids: string[] = [done.items[0]?.['itemId'] as string];
    for (const [op, field] of [
      ['getTransactionsPending', 'transactions'],
      ['getTransactionsRejected', 'transactions'],
      ['getTransactionsCancelled', 'transactions'],
      ['getTransactionsScheduled', 'transactions'],
      ['getHolds', 'holds'],
    ] as const) {
      const answer = await bank.tpp.call(op, { accountNumber: iban, transactionDateFrom: '2019-06-01', transactionDateTo: '2020-12-31' }, { token });
      conforms(p(op), answer);
      const items = answer.body[field] as Array<Record<string, unknown>>;
      expect({ op, listed: items.length > 0 }).toEqual({ op, listed: true });
      ids.push(items[0]?.['itemId'] as string);
    }
    for (const itemId of ids) conforms(p('getTransactionDetail'), await bank.tpp.call('getTransactionDetail', { accountNumber: iban, itemId }, { token }));
  });

  it('offsets are the default because the local date-time option falls outside `format: date-time`', async () => {
    // The spec types these fields `format: date-time` (RFC 3339: offset required) while its
    // descriptions write YYYY-MM-DDThh:mm:ss[.mmm]. The default (offsets) is the valid one.
    bank.sandbox.knobs.set({ dateTimeFormat: 'local' });
    try {
      const answer = await bank.tpp.call('getTransactionsDone', { accountNumber: iban, perPage: 1 }, { token });
      expect(answer.status).toBe(200);
      const item = (answer.body['transactions'] as Array<Record<string, string>>)[0] as Record<string, string>;
      expect(item['tradeDate']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      expect(ajv.validate({ type: 'string', format: 'date-time' }, item['tradeDate'])).toBe(false);
    } finally {
      bank.sandbox.knobs.set({ dateTimeFormat: 'offset' });
    }
  });

  it('refusals carry the Error body with a status the operation declares', async () => {
    const tpp = bank.tpp;
    // 400: malformed filters, and a missing signature.
    conforms(p('getTransactionsDone'), await tpp.call('getTransactionsDone', { accountNumber: iban, transactionDateFrom: '2020-13-01' }, { token }));
    conforms(p('getAccounts'), await tpp.call('getAccounts', {}, { token, signing: 'none' }));
    // 401: unknown token; the consent deleted.
    conforms(p('getAccount'), await tpp.call('getAccount', { accountNumber: iban }, { token: 'not-a-token' }));
    // 403: beyond 90 days without SCA (refreshed token).
    const refreshed = await tpp.refresh((await consentTokens(bank, 'contract-4')).refreshToken);
    conforms(p('getHolds'), await tpp.call('getHolds', { accountNumber: iban, transactionDateFrom: '2019-01-01' }, { token: refreshed.body['access_token'] as string }));
    // 405, 406, 415.
    conforms(p('getAccounts'), await tpp.call('getAccounts', {}, { token, method: 'GET' }));
    conforms(p('getAccounts'), await tpp.call('getAccounts', {}, { token, headers: { accept: 'text/html' } }));
    conforms(p('getAccounts'), await tpp.call('getAccounts', {}, { token, headers: { 'content-type': 'text/plain' } }));
    // 422: a signature that does not verify.
    conforms(p('token'), await tpp.call('token', { grant_type: 'refresh_token', refresh_token: 'x' }, { signedText: '{"other":"body"}' }));
    conforms(p('authorize'), await tpp.call('authorize', { response_type: 'code' }, { signedText: '{}' }));
    // 429, 500, 503: injected faults, in the spec's Error body.
    const faults = bank.sandbox.knobs.faults;
    faults.failNext(1, { type: 'rate-limit', retryAfterSeconds: 7 });
    const limited = await tpp.call('getTransactionsPending', { accountNumber: iban }, { token });
    expect(limited.headers.get('retry-after')).toBe('7');
    conforms(p('getTransactionsPending'), limited);
    faults.failNext(1, 500);
    conforms(p('getTransactionsScheduled'), await tpp.call('getTransactionsScheduled', { accountNumber: iban }, { token }));
    faults.failNext(1, 503);
    conforms(p('deleteConsent'), await tpp.call('deleteConsent', { consentId: 'contract-4' }));
    // 501: a PIS scope; 204: deleteConsent.
    conforms(p('authorize'), await tpp.call('authorize', { response_type: 'code', client_id: 'kinko-tpp', redirect_uri: 'https://tpp.example/callback', scope: 'pis', state: 's', scope_details: { consentId: 'pis-1', scopeGroupType: 'pis', scopeTimeLimit: '2020-12-01T00:00:00Z', throttlingPolicy: 'psd2Regulatory' } }));
    conforms(p('deleteConsent'), await tpp.call('deleteConsent', { consentId: 'contract-4' }));
    conforms(p('getAccounts'), await tpp.call('getAccounts', {}, { token: refreshed.body['access_token'] as string }));
  });

  it('covered every status the AIS operations declare (each checked above as declared)', () => {
    const statuses = [...new Set([...covered].map((c) => c.split(' ')[1]))].sort();
    expect(statuses).toEqual(['200', '204', '400', '401', '403', '405', '406', '415', '422', '429', '500', '501', '503']);
  });
});
