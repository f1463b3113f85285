/**
 * One PolishAPI call: the JSON body with its `requestHeader`, the headers every operation
 * requires (X-REQUEST-ID equal to `requestHeader.requestId`, X-JWS-SIGNATURE over the exact
 * body bytes, Accept-*), the bearer token of AIS calls, and the answer decompressed, parsed
 * and — when the bank's key is configured — its signature verified.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { Redacted, Schema } from 'effect';
import { ConnectorErrors, SdkErrorCode, err, ok, type Clock, type HttpClient, type Outcome } from '@kinko/connector-sdk';
import type { RequestSigner, ResponseVerifier } from './signing';
import { POLISH_API_PATHS, type PolishApiOperation } from './wire';

/** The largest decompressed answer accepted. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** An answer of the bank: status, headers, the (decompressed) body text and its JSON when it is JSON. */
export interface BankAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  /** The body parsed once (`undefined` for an empty or non-JSON body). */
  readonly json: unknown;
}

/** How one call is made. */
export interface CallOptions {
  /** The access token of AIS calls: sent as `Authorization: Bearer` and `requestHeader.token`. */
  readonly token?: Redacted.Redacted<string>;
  /**
   * `read`: safe to repeat (listings, getAccount, deleteConsent) — retried on timeouts, broken
   * connections and 5xx; `once`: never repeated (authorize creates a consent, token spends a
   * code or a rotating refresh token).
   */
  readonly repeat: 'read' | 'once';
}

/** Settings of the {@link Transport}. */
export interface TransportOptions {
  readonly http: HttpClient;
  readonly clock: Clock;
  readonly baseUrl: string;
  readonly tppId: string;
  readonly language: string;
  readonly signer: RequestSigner;
  readonly verifier: ResponseVerifier | undefined;
  readonly requestId: () => string;
}

/** Makes signed PolishAPI calls. */
export interface Transport {
  /** POSTs `fields` (plus `requestHeader`) to `operation`; any HTTP answer is a success here, mapping is the caller's. */
  call(operation: PolishApiOperation, fields: Readonly<Record<string, unknown>>, options: CallOptions): Promise<Outcome<BankAnswer>>;
}

function decompress(encoding: string | undefined, body: Uint8Array): Uint8Array {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return body;
  if (e === 'gzip' || e === 'x-gzip') return gunzipSync(body, { maxOutputLength: MAX_BODY_BYTES });
  if (e === 'deflate') return inflateSync(body, { maxOutputLength: MAX_BODY_BYTES });
  throw new Error(`unsupported content-encoding ${e}`);
}

const baseOf = (url: string): string => url.replace(/\/+$/, '');

/** Creates the transport of one connector instance. */
export function createTransport(options: TransportOptions): Transport {
  const base = baseOf(options.baseUrl);
  return {
    async call(operation, fields, { token, repeat }) {
      const requestId = options.requestId();
      const requestHeader = {
        requestId,
        sendDate: options.clock.now().toISOString(),
        tppId: options.tppId,
        ...(token !== undefined ? { token: Redacted.value(token), isDirectPsu: false } : {}),
      };
      // The signature covers these exact bytes: the text is built once and sent as is.
      const text = JSON.stringify({ requestHeader, ...fields });
      let signature: string;
      try {
        signature = await options.signer.sign(text);
      } catch {
        return err(ConnectorErrors.permanent({ code: 'signing_failed', message: `could not sign the ${operation} request` }));
      }
      const res = await options.http.send({
        method: 'POST',
        url: `${base}${POLISH_API_PATHS[operation]}`,
        headers: {
          accept: 'application/json',
          'accept-charset': 'utf-8',
          'accept-encoding': 'gzip, deflate',
          'accept-language': options.language,
          'x-request-id': requestId,
          'x-jws-signature': signature,
          ...(token !== undefined ? { authorization: Redacted.make(`Bearer ${Redacted.value(token)}`) } : {}),
        },
        // The body holds the token of AIS calls: Redacted keeps it out of anything printed.
        body: { text: Redacted.make(text), contentType: 'application/json' },
        retry: repeat === 'read' ? { idempotent: true } : false,
      });
      if (!res.ok) return res;
      const answer = res.value;
      let body: Uint8Array;
      try {
        body = decompress(answer.headers['content-encoding'], answer.body);
      } catch {
        return err(ConnectorErrors.permanent({ code: SdkErrorCode.malformedBody, httpStatus: answer.status, message: `${operation}: the answer could not be decompressed` }));
      }
      const textOut = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
      const json = parseJson(textOut);
      if (answer.status >= 200 && answer.status < 300 && options.verifier !== undefined && body.byteLength > 0) {
        // A truncated or garbled body is a format problem first: its signature cannot match anyway.
        if (json === undefined) return err(malformed(operation, answer.status));
        if (!(await options.verifier.verify(answer.headers['x-jws-signature'], body))) {
          return err(ConnectorErrors.signature({ message: `${operation}: the bank's answer does not carry a valid X-JWS-SIGNATURE` }));
        }
      }
      return ok({ status: answer.status, headers: answer.headers, text: textOut, json });
    },
  };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function malformed(operation: string, status: number) {
  return ConnectorErrors.permanent({ code: SdkErrorCode.malformedBody, httpStatus: status, message: `malformed JSON body from ${operation}` });
}

/**
 * Parses and decodes a successful answer. `detail: false` hides the schema's message (token
 * answers: it could quote a token).
 */
export function decodeAnswer<T>(answer: BankAnswer, schema: Schema.Codec<T, unknown>, operation: string, detail = true): Outcome<T> {
  if (answer.json === undefined) return err(malformed(operation, answer.status));
  const decoded = Schema.decodeUnknownResult(schema)(answer.json);
  if (decoded._tag === 'Success') return ok(decoded.success);
  const why = detail ? `: ${decoded.failure.message.slice(0, 500)}` : '';
  return err(ConnectorErrors.permanent({ code: SdkErrorCode.unexpectedBody, httpStatus: answer.status, message: `unexpected body from ${operation}${why}` }));
}
