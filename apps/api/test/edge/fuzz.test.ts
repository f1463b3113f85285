import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DEFAULT_BODY_LIMIT_BYTES, MAX_JSON_DEPTH } from '../../src/http/limits';
import { PROBLEM_MEDIA_TYPE } from '../../src/http/problem';
import { answerOf, createEdgeHarness, type EdgeHarness, expectProblem, type Operation } from './harness';

// Issue 21: every operation of the OpenAPI document, sent malformed path parameters, queries,
// bodies, content types, sizes and depths, answers a 4xx problem — never a 5xx, never a hang.
// KINKO_FUZZ_RUNS sets the cases per operation (default 25: the file stays well under a minute).

const RUNS_PER_OPERATION = Number(process.env.KINKO_FUZZ_RUNS ?? 25);
/** Slowest acceptable answer; generous for a shared CI machine (a hang is what it catches). */
const ANSWER_BOUND_MS = 5_000;

/** One change to a request; `invalid`: the request cannot be valid with it, so only a 4xx may answer. */
interface Mutation {
  readonly label: string;
  readonly invalid: boolean;
  /** The path parameter it sets (a later change of the same parameter replaces it). */
  readonly pathParam?: string;
  apply(request: Draft): void;
}

interface Draft {
  path: Record<string, string>;
  query: string[];
  headers: Record<string, string>;
  body?: string;
}

const BAD_PERCENT = ['%FF', '%C0%AF', '%E0%80', '%ED%A0%80', '%G0', '%', '%2'];

const alnum = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength, maxLength });
const unicode = (maxLength: number) => fc.string({ unit: 'grapheme', minLength: 1, maxLength });
const withNul = fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([a, b]) => `${a}\0${b}`);

const nested = (depth: number, open: '[' | '{"a":'): string => open.repeat(depth) + (open === '[' ? '' : '1') + (open === '[' ? ']' : '}').repeat(depth);

/** Malformed values for one path parameter (encoded as they go into the URL). */
const pathValue = fc.oneof(
  alnum(101, 300).map((v) => ({ label: 'long', value: v })),
  withNul.map((v) => ({ label: 'nul', value: encodeURIComponent(v) })),
  fc.tuple(alnum(0, 8), fc.constantFrom(...BAD_PERCENT)).map(([v, bad]) => ({ label: 'bad-percent', value: `${v}${bad}` })),
  unicode(40).map((v) => ({ label: 'unicode', value: encodeURIComponent(v) })),
  fc.constantFrom('%2F', ' ', '%20', '-1', '0', 'null', 'undefined', '[]', '{}').map((v) => ({ label: 'odd', value: v })),
  // Dot segments are resolved by URL parsing (as a client would): another, maybe valid, URL.
  fc.constantFrom('..', '%2e%2e', '.').map((v) => ({ label: 'dot-segment', value: v, mayBeValid: true })),
);

function pathMutation(operation: Operation): fc.Arbitrary<Mutation> {
  return fc.tuple(fc.constantFrom(...operation.pathParams), pathValue).map(([param, { label, value, ...rest }]) => ({
    label: `path ${param}: ${label} ${JSON.stringify(value.slice(0, 60))}`,
    invalid: !('mayBeValid' in rest),
    pathParam: param,
    apply: (d) => void (d.path[param] = value),
  }));
}

/** A query value no declared parameter accepts (each is a date, an enum, a boolean, a number, a uuid or a cursor ≤ 200). */
const junkQueryValue = fc.oneof(
  alnum(201, 400).map((v) => `z${v}`),
  withNul.map(encodeURIComponent),
  fc.constantFrom('0000-01-01', '2026-02-30', '99999-01-01', '-1', '1e400', 'NaN', 'true%00', '%FF', '%E0%80', 'zz%ZZ'),
  unicode(20).map((v) => `z${encodeURIComponent(v)}`),
);

function queryMutation(operation: Operation): fc.Arbitrary<Mutation> {
  const declared: fc.Arbitrary<Mutation>[] = operation.queryParams.length
    ? [
        fc.tuple(fc.constantFrom(...operation.queryParams), junkQueryValue).map(([name, value]) => ({
          label: `query ${name}=${value.slice(0, 60)}`,
          invalid: true,
          apply: (d) => void d.query.push(`${name}=${value}`),
        })),
      ]
    : [];
  const unknown = fc.tuple(alnum(1, 12), fc.oneof(alnum(0, 20), junkQueryValue)).map(([name, value]) => ({
    label: `query unknown zq${name}=${value.slice(0, 60)}`,
    // Unknown query names are refused where the operation declares a query; elsewhere ignored.
    invalid: operation.queryParams.length > 0 || value.includes('%00'),
    apply: (d: Draft) => void d.query.push(`zq${name}=${value}`),
  }));
  const nulName = withNul.map((name) => ({ label: 'query name with NUL', invalid: true, apply: (d: Draft) => void d.query.push(`${encodeURIComponent(name)}=1`) }));
  return fc.oneof(...declared, unknown, nulName);
}

/** Values of each JSON type a body field can declare (numbers: a fraction and one too large, and an integer). */
const valuesOfType: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  string: fc.string({ maxLength: 10 }),
  integer: fc.integer(),
  number: fc.constantFrom(1.5, 1e300),
  boolean: fc.boolean(),
  object: fc.constant({}),
  array: fc.constant([1]),
};

/** A value of none of the field's types (a nullable field's null is one of them; null itself is never sent, since an optional field takes it as absent). */
const wrongTyped = (types: readonly string[]): fc.Arbitrary<unknown> => {
  // An integer is a number too.
  const taken = new Set(types.includes('number') ? [...types, 'integer'] : types);
  return fc.oneof(...Object.entries(valuesOfType).flatMap(([type, values]) => (taken.has(type) ? [] : [values])));
};

function bodyMutation(operation: Operation): fc.Arbitrary<Mutation> {
  // An operation without a body of its own may ignore what is sent (GET bodies are not read).
  const json = (label: string, body: fc.Arbitrary<string>): fc.Arbitrary<Mutation> =>
    body.map((text) => ({
      label: `body ${label}: ${text.slice(0, 60)}`,
      invalid: operation.hasBody,
      apply: (d: Draft) => {
        d.body = text;
        d.headers['content-type'] ??= 'application/json';
      },
    }));
  const fields = Object.entries(operation.bodyFields);
  const options: fc.Arbitrary<Mutation>[] = [
    json('deep', fc.tuple(fc.integer({ min: MAX_JSON_DEPTH + 1, max: 5_000 }), fc.constantFrom('[' as const, '{"a":' as const)).map(([depth, open]) => nested(depth, open))),
    json('huge', fc.integer({ min: DEFAULT_BODY_LIMIT_BYTES + 1, max: 4 * DEFAULT_BODY_LIMIT_BYTES }).map((size) => JSON.stringify({ pad: 'p'.repeat(size) }))),
    json('not JSON', fc.oneof(fc.constantFrom('{', '{"a":', '[1,]', "{'a':1}", 'undefined', '{"a":1}}', '\u0000', '{"__proto__":{"x":1}}'), fc.string({ unit: 'binary', minLength: 1, maxLength: 50 }).filter((t) => !isJson(t)))),
    json('nul', withNul.map((v) => JSON.stringify({ [fields[0]?.[0] ?? 'x']: v }))),
    json('unknown field', fc.tuple(alnum(1, 10), fc.jsonValue({ maxDepth: 3 })).map(([k, v]) => JSON.stringify({ [`zz${k}`]: v }))),
  ];
  if (operation.hasBody) {
    options.push(json('top-level not an object', fc.oneof(fc.constant('[]'), fc.constant('[{}]'), fc.integer().map(String), fc.constant('"text"'), fc.constant('true'))));
  }
  if (fields.length > 0) {
    options.push(
      json(
        'wrong types',
        fc.constantFrom(...fields).chain(([name, types]) => wrongTyped(types).map((v) => JSON.stringify({ [name]: v }))),
      ),
    );
  }
  return fc.oneof(...options);
}

const isJson = (t: string): boolean => {
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
};

function contentTypeMutation(operation: Operation): fc.Arbitrary<Mutation> {
  return fc.constantFrom('text/plain', 'application/xml', 'application/octet-stream', 'multipart/form-data; boundary=x', 'garbage', 'application/x-www-form-urlencoded').map((type) => ({
    label: `content-type ${type}`,
    // Without a body of its own the operation ignores what is sent; with one, a JSON text under another type never validates.
    invalid: operation.hasBody,
    apply: (d: Draft) => {
      d.headers['content-type'] = type;
      d.body ??= '{"zz":1}';
    },
  }));
}

/** Printable ASCII (what an HTTP client can put in a header), NUL included as the odd one. */
const headerText = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), fc.constant('\0')), minLength, maxLength });

function headerMutation(operation: Operation): fc.Arbitrary<Mutation> {
  const authenticated = operation.security.length > 0;
  const credentials = fc
    .oneof(
      headerText(0, 40).map((t) => ({ name: 'authorization', value: `Bearer ${t}` })),
      fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'bearer', 'Bearer a.b.c', 'Bearer eyJhbGciOiJub25lIn0.e30.').map((v) => ({ name: 'authorization', value: v })),
      alnum(2_000, 8_000).map((t) => ({ name: 'authorization', value: `Bearer ${t}` })),
      headerText(0, 40).map((t) => ({ name: 'x-api-key', value: t })),
    )
    .map(({ name, value }) => ({
      label: `header ${name}: ${JSON.stringify(value.slice(0, 60))}`,
      // The operation's own credentials are replaced: an authenticated operation refuses.
      invalid: authenticated,
      apply: (d: Draft) => {
        delete d.headers.authorization;
        d.headers[name] = value;
      },
    }));
  const other = fc
    .tuple(fc.constantFrom('accept-language', 'accept', 'cookie', 'origin', 'x-forwarded-for', 'if-none-match', 'range'), headerText(0, 200))
    .map(([name, value]) => ({ label: `header ${name}: ${JSON.stringify(value.slice(0, 60))}`, invalid: false, apply: (d: Draft) => void (d.headers[name] = value) }));
  return fc.oneof(credentials, other);
}

function mutations(operation: Operation): fc.Arbitrary<Mutation[]> {
  const families: fc.Arbitrary<Mutation>[] = [queryMutation(operation), bodyMutation(operation), contentTypeMutation(operation), headerMutation(operation)];
  if (operation.pathParams.length > 0) families.push(pathMutation(operation), pathMutation(operation));
  return fc.array(fc.oneof(...families), { minLength: 1, maxLength: 3 });
}

describe('fuzzing every operation of the OpenAPI document', () => {
  let h: EdgeHarness;

  beforeAll(async () => {
    h = await createEdgeHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it(`answers ${RUNS_PER_OPERATION} malformed requests per operation with 4xx problems, never a 5xx, never a hang`, async () => {
    expect(h.operations.length).toBeGreaterThan(40);
    const seen = new Map<number, number>();
    for (const operation of h.operations) {
      await fc.assert(
        fc.asyncProperty(mutations(operation), async (changes) => {
          const draft: Draft = { path: {}, query: [], headers: { ...h.authFor(operation) } };
          for (const change of changes) change.apply(draft);
          const url = h.pathOf(operation, draft.path) + (draft.query.length > 0 ? `?${draft.query.join('&')}` : '');
          const started = performance.now();
          let timer: NodeJS.Timeout | undefined;
          const res = await Promise.race([
            h.app.inject({ method: operation.method as 'GET', url, headers: draft.headers, ...(draft.body !== undefined ? { payload: draft.body } : {}) }),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_BOUND_MS} ms`)), ANSWER_BOUND_MS);
            }),
          ]).finally(() => clearTimeout(timer));
          const ms = performance.now() - started;
          seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
          const context = `${operation.method} ${operation.path} [${changes.map((c) => c.label).join(' | ')}] → ${res.statusCode} ${String(res.headers['content-type'])} ${res.body.slice(0, 200)}`;
          expect([context, ms < ANSWER_BOUND_MS]).toEqual([context, true]);
          expect([context, res.statusCode < 500]).toEqual([context, true]);
          const effective = changes.filter((c, i) => c.pathParam === undefined || !changes.slice(i + 1).some((later) => later.pathParam === c.pathParam));
          const mustFail = effective.some((c) => c.invalid);
          if (mustFail) expect([context, res.statusCode >= 400]).toEqual([context, true]);
          if (res.statusCode >= 400 && operation.htmlPage && String(res.headers['content-type']).startsWith('text/html')) {
            // A Link page answers a person's browser with an error page, not JSON.
            expect([context, /\bat .+\.(js|ts):\d+/.test(res.body)]).toEqual([context, false]);
          } else if (res.statusCode === 401 && operation.path === '/link/vault/status') {
            // The Link pages' polling script reads this answer: no session, no connections (not a problem document).
            expect([context, res.json()]).toEqual([context, { connections: [] }]);
          } else if (res.statusCode >= 400) {
            expect([context, String(res.headers['content-type']).startsWith(PROBLEM_MEDIA_TYPE)]).toEqual([context, true]);
            expectProblem(answerOf(res));
          }
        }),
        { numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
    }
    // The cases reached the app's own validation, not only one refusal.
    expect([...seen.keys()].filter((s) => s >= 400).length).toBeGreaterThanOrEqual(4);
  }, 60_000 + RUNS_PER_OPERATION * 600);
});
