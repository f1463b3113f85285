import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { type UrlPolicy, resolveChecked } from './url-policy';

/** What one attempt came to: the status code (null: no answer), latency, and what went wrong. */
export interface AttemptResult {
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
}

export interface SendOptions extends UrlPolicy {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

/**
 * Sends one signed delivery (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`, HMAC-SHA256 with the endpoint's `whsec_` secret). The host is
 * resolved now and every answer checked against the policy; the connection goes to the
 * checked address (no second lookup a rebinding DNS could answer differently). Redirects are
 * not followed (a 3xx is a failure), at most `maxResponseBytes` of the answer are read, the
 * whole attempt is bounded by `timeoutMs`. 2xx is success.
 */
export async function sendSigned(rawUrl: string, secret: string, messageId: string, body: string, at: Date, options: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  let answers: LookupAddress[];
  const url = new URL(rawUrl);
  try {
    answers = await resolveChecked(url, options);
  } catch (e) {
    return { ok: false, statusCode: null, latencyMs: elapsed(), error: `refused: ${(e as Error).message}` };
  }
  const pinned = answers[0]!;
  const lookup: LookupFunction = (_host, opts, callback) => {
    if ((opts as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const signature = new Webhook(secret).sign(messageId, at, body);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'Kinko-Webhooks/1',
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const done = (r: Omit<AttemptResult, 'latencyMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, latencyMs: elapsed() });
    };
    const request = client.request(url, { method: 'POST', headers, lookup, agent: false }, (response) => {
      const status = response.statusCode ?? 0;
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > options.maxResponseBytes) {
          response.destroy();
          done(finish(status));
        }
      });
      response.on('end', () => done(finish(status)));
      response.on('error', () => done(finish(status)));
    });
    const timer = setTimeout(() => {
      request.destroy();
      done({ ok: false, statusCode: null, error: `no answer within ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    request.on('error', (e) => done({ ok: false, statusCode: null, error: e.message }));
    request.end(body);
  });
}

function finish(status: number): Omit<AttemptResult, 'latencyMs'> {
  if (status >= 200 && status < 300) return { ok: true, statusCode: status, error: null };
  if (status >= 300 && status < 400) return { ok: false, statusCode: status, error: 'redirect not followed' };
  return { ok: false, statusCode: status, error: `answered ${status}` };
}
