import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { answerOf, createEdgeHarness, type EdgeHarness, expectProblem } from './harness';

// Issue 21 item 8: errors the framework raises before routing — bad percent-encoding, a path
// parameter over 100 characters (414), a URL over 16 KB (431) — answered plain JSON echoing
// the URL. They are problems now, with a `type`, and never quote the URL.

/** Percent-encodings that do not decode to UTF-8 text. */
const BAD_ENCODINGS = ['%FF', '%C0%AF', '%E0%80', '%ED%A0%80', '%F8%88%80%80%80', '%G0', '%', 'a%2'];

/** Sends raw bytes to the server and reads the whole answer (the server closes the connection). */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.write(text);
  });
}

/** The status, content type and body of a raw HTTP/1.1 answer. */
function parseRaw(text: string): { status: number; contentType: string; body: string } {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const contentType = /\r\ncontent-type: ([^\r]+)/i.exec(head)?.[1] ?? '';
  return { status, contentType, body };
}

describe('framework errors are problems', () => {
  let h: EdgeHarness;
  let base: string;
  let port: number;

  beforeAll(async () => {
    h = await createEdgeHarness();
    await h.app.listen(0, '127.0.0.1');
    base = await h.app.getUrl();
    port = Number(new URL(base).port);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a path parameter that does not percent-decode is a malformed-request problem on every operation, without the URL, with the security headers', async () => {
    const reference = await h.app.inject({ method: 'GET', url: '/api/v2/nope' });
    const securityHeaders = ['x-content-type-options', 'content-security-policy'].filter((name) => reference.headers[name] !== undefined);
    expect(securityHeaders.length).toBeGreaterThan(0);
    const withParams = h.operations.filter((o) => o.pathParams.length > 0);
    let cases = 0;
    for (const operation of withParams) {
      for (const bad of BAD_ENCODINGS) {
        const url = h.pathOf(operation, { [operation.pathParams[0] as string]: `x${bad}` });
        const res = await h.app.inject({ method: operation.method as 'GET', url, headers: h.authFor(operation) });
        const problem = expectProblem(answerOf(res), 'malformed-request');
        expect(problem).not.toHaveProperty('instance');
        expect(res.body).not.toContain(bad);
        expect(res.body).not.toContain(operation.path.split('{')[0] as string);
        for (const name of securityHeaders) expect([url, name, res.headers[name]]).toEqual([url, name, reference.headers[name]]);
        cases++;
      }
    }
    expect(cases).toBeGreaterThanOrEqual(56);
  });

  it('a path parameter over 100 characters is a uri-too-long problem (414) that does not echo it', async () => {
    const long = 'z'.repeat(150);
    for (const operation of h.operations.filter((o) => o.pathParams.length > 0)) {
      const res = await h.app.inject({ method: operation.method as 'GET', url: h.pathOf(operation, { [operation.pathParams[0] as string]: long }), headers: h.authFor(operation) });
      const problem = expectProblem(answerOf(res), 'uri-too-long');
      expect(problem).not.toHaveProperty('instance');
      expect(res.body).not.toContain(long.slice(0, 20));
    }
  });

  it('a URL over 16 KB is a header-fields-too-large problem (431) over real HTTP, without the URL', async () => {
    const marker = 'q'.repeat(17_000);
    const res = await fetch(`${base}/api/v2/tenant/users?x=${marker}`, { headers: { authorization: `Bearer ${h.apiKey}` } });
    const body = await res.text();
    expectProblem({ status: res.status, contentType: res.headers.get('content-type') ?? '', body }, 'header-fields-too-large');
    expect(body).not.toContain('qqqq');
  });

  it('headers over 16 KB are a header-fields-too-large problem (431)', async () => {
    const res = await fetch(`${base}/health`, { headers: { 'x-filler': 'h'.repeat(17_000) } });
    expectProblem({ status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() }, 'header-fields-too-large');
  });

  it('a request HTTP cannot parse is a malformed-request problem (400)', async () => {
    const answer = parseRaw(await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n'));
    expectProblem(answer, 'malformed-request');
    const garbage = parseRaw(await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n'));
    expectProblem(garbage, 'malformed-request');
  });

  it('the server still answers after all of that', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});
