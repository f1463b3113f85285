import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_BODY_LIMIT_BYTES, MAX_JSON_DEPTH } from '../../src/http/limits';
import { testSettings } from '../support/test-app';
import { answerOf, createEdgeHarness, type EdgeHarness, expectProblem } from './harness';

// Issue 21 item 3: a deep JSON body used to overflow class-transformer's stack (500, a stack
// trace logged per request), and 256 KB bodies blocked the event loop for a second or more.

const deepArray = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);
const deepObject = (levels: number): string => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
/** A user-creation body with an unknown field `x` nested `levels` deep (the whole body: levels + 1). */
const userWithNested = (externalId: string, levels: number): string => `{"externalId":${JSON.stringify(externalId)},"x":${deepArray(levels)}}`;

/** POSTs `body` over real HTTP; the status, content type and body. */
async function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; contentType: string; body: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: text, ms: performance.now() - started };
}

/** Sends `count` bodies at once and, meanwhile, times `GET /health`. */
async function floodAndProbeHealth(base: string, headers: Record<string, string>, body: string, count: number) {
  const flood = Promise.all(Array.from({ length: count }, () => post(`${base}/api/v2/tenant/users`, headers, body)));
  const started = performance.now();
  const health = await fetch(`${base}/health`);
  const healthMs = performance.now() - started;
  expect(health.status).toBe(200);
  return { answers: await flood, healthMs };
}

describe('deep and large JSON bodies', () => {
  let h: EdgeHarness;
  let base: string;

  beforeAll(async () => {
    h = await createEdgeHarness();
    await h.app.listen(0, '127.0.0.1');
    base = await h.app.getUrl();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a 4 KB body nested 2,000 levels is a validation problem (not a 500) on every route that takes JSON', async () => {
    const withBody = h.operations.filter((o) => o.hasBody);
    expect(withBody.length).toBeGreaterThanOrEqual(8);
    for (const operation of withBody) {
      for (const payload of [deepArray(2000), deepObject(2000)]) {
        const res = await h.app.inject({
          method: operation.method as 'POST',
          url: h.pathOf(operation),
          headers: { ...h.authFor(operation), 'content-type': 'application/json' },
          payload,
        });
        const problem = expectProblem(answerOf(res), 'validation');
        expect(problem.errors).toEqual([{ field: '(body)', reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` }]);
      }
    }
  });

  it(`nesting up to ${MAX_JSON_DEPTH} levels is parsed and validated as usual; brackets inside strings do not count`, async () => {
    const headers = { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' };
    const url = '/api/v2/tenant/users';
    const atLimit = await h.app.inject({ method: 'POST', url, headers, payload: userWithNested('deep-ok', MAX_JSON_DEPTH - 1) });
    expect(expectProblem(answerOf(atLimit), 'validation').errors).toEqual([{ field: 'x', reason: 'x is not a known field' }]);
    const overLimit = await h.app.inject({ method: 'POST', url, headers, payload: userWithNested('deep-no', MAX_JSON_DEPTH) });
    expect(expectProblem(answerOf(overLimit), 'validation').errors?.[0]?.field).toBe('(body)');

    const bracketsInText = `[{"\\"[${'['.repeat(100)}`;
    const created = await h.app.inject({ method: 'POST', url, headers, payload: JSON.stringify({ externalId: bracketsInText }) });
    expect(created.statusCode).toBe(201);
    expect(created.json<{ externalId: string }>().externalId).toBe(bracketsInText);
  });

  it(`the default body limit is ${DEFAULT_BODY_LIMIT_BYTES} bytes: a larger body is payload-too-large`, async () => {
    const headers = { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' };
    const padded = (size: number): string => {
      const shell = JSON.stringify({ externalId: 'limit', pad: '' });
      return JSON.stringify({ externalId: 'limit', pad: 'p'.repeat(size - shell.length) });
    };
    const atLimit = await h.app.inject({ method: 'POST', url: '/api/v2/tenant/users', headers, payload: padded(DEFAULT_BODY_LIMIT_BYTES) });
    expect(expectProblem(answerOf(atLimit), 'validation').errors).toEqual([{ field: 'pad', reason: 'pad is not a known field' }]);
    const over = await h.app.inject({ method: 'POST', url: '/api/v2/tenant/users', headers, payload: padded(DEFAULT_BODY_LIMIT_BYTES + 1) });
    expectProblem(answerOf(over), 'payload-too-large');
  });

  it('eight 256 KB deep bodies at once are refused (413) without holding up /health', async () => {
    const body = deepArray(128 * 1024);
    const { answers, healthMs } = await floodAndProbeHealth(base, { authorization: `Bearer ${h.apiKey}` }, body, 8);
    for (const answer of answers) expectProblem(answer, 'payload-too-large');
    expect(healthMs).toBeLessThan(1_000);
  });
});

describe('deep JSON with an operator-raised body limit (256 KiB)', () => {
  let h: EdgeHarness;
  let base: string;

  beforeAll(async () => {
    h = await createEdgeHarness(testSettings({ KINKO_BODY_LIMIT_BYTES: '262144' }));
    await h.app.listen(0, '127.0.0.1');
    base = await h.app.getUrl();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('eight 256 KB deep bodies at once are validation problems, each answered quickly, and /health is not held up', async () => {
    const body = deepArray(128 * 1024 - 8);
    expect(body.length).toBeLessThanOrEqual(262_144);
    const { answers, healthMs } = await floodAndProbeHealth(base, { authorization: `Bearer ${h.apiKey}` }, body, 8);
    for (const answer of answers) expect(expectProblem(answer, 'validation').errors?.[0]?.field).toBe('(body)');
    expect(healthMs).toBeLessThan(1_000);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(2_000);
  });
});
