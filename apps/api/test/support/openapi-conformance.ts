import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { OpenAPIObject } from '@nestjs/swagger';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { servedDocumentOf } from '../../src/http/openapi';

// Every answer an app gives in a test is checked against the OpenAPI document that app serves,
// with Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1): its status must be declared for
// the operation, its media type listed, its JSON body valid against the declared schema.

/** One answer as the server sent it. */
export interface Answer {
  readonly method: string;
  /** The route's OpenAPI path template (`/api/v2/connections/{connectionId}`). */
  readonly path: string;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

type MediaTypeObject = { schema?: unknown };
type ResponseObject = { content?: Record<string, MediaTypeObject> };
type OperationObject = { responses?: Record<string, ResponseObject> };

const DOCUMENT_ID = 'kinko-openapi';
const pointer = (...segments: string[]): string => segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
const valueAt = (value: unknown, instancePath: string): unknown =>
  instancePath
    .split('/')
    .slice(1)
    .reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), value);
const isJson = (mediaType: string): boolean => mediaType === 'application/json' || mediaType.endsWith('+json');

/** Checks answers against one document. */
export class DocumentValidator {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenAPIObject) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    // OpenAPI's own integer formats are not JSON Schema formats: nothing more to check than the type.
    for (const format of ['int32', 'int64', 'float', 'double']) this.ajv.addFormat(format, true);
    this.ajv.addSchema(document as object, DOCUMENT_ID);
  }

  /** The mismatches of one answer (empty when it conforms). Answers of routes the document does not describe are not checked. */
  check(answer: Answer): string[] {
    const method = answer.method.toLowerCase();
    const operation = (this.document.paths[answer.path] as Record<string, OperationObject> | undefined)?.[method];
    if (operation === undefined) return [];
    const where = `${answer.method} ${answer.path} → ${answer.status}`;
    const responses = operation.responses ?? {};
    const statusKey = [String(answer.status), `${String(answer.status).charAt(0)}XX`, 'default'].find((key) => key in responses);
    if (statusKey === undefined) return [`${where}: status not declared (declared: ${Object.keys(responses).join(', ')})`];
    const content = responses[statusKey]?.content;
    const mediaType = answer.contentType?.split(';')[0]?.trim().toLowerCase();
    if (answer.body.length === 0 || mediaType === undefined) return [];
    if (content === undefined) return isJson(mediaType) ? [`${where}: a ${mediaType} body where the document declares none`] : [];
    const declared = content[mediaType];
    if (declared === undefined) return [`${where}: media type ${mediaType} not declared (declared: ${Object.keys(content).join(', ')})`];
    if (!isJson(mediaType) || declared.schema === undefined) return [];
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      return [`${where}: ${mediaType} body is not JSON`];
    }
    const validate = this.validatorOf(pointer('paths', answer.path, method, 'responses', statusKey, 'content', mediaType, 'schema'));
    if (validate(body)) return [];
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)} (was ${JSON.stringify(valueAt(body, e.instancePath))?.slice(0, 200)})`);
    return [`${where} ${mediaType}: ${errors.join('; ')}`];
  }

  private validatorOf(ref: string): ValidateFunction {
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}#/${ref}` });
      this.compiled.set(ref, validate);
    }
    return validate;
  }
}

const validators = new WeakMap<OpenAPIObject, DocumentValidator>();

/** The validator of a document (compiled once per document). */
export function validatorOf(document: OpenAPIObject): DocumentValidator {
  let validator = validators.get(document);
  if (!validator) {
    validator = new DocumentValidator(document);
    validators.set(document, validator);
  }
  return validator;
}

/** The OpenAPI path template of a Fastify route URL (`/a/:id` → `/a/{id}`). */
export const openApiPathOf = (routeUrl: string): string => routeUrl.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const INITIALIZATION = 'fastify.initialization';

/**
 * Watches every Fastify instance created from now on (Fastify publishes each on the
 * `fastify.initialization` diagnostics channel): each answer of an instance that serves an
 * OpenAPI document (the Kinko app; sandbox banks serve none) is checked, and its mismatches
 * passed to `report`. Returns the function that stops watching.
 */
export function watchAnswers(report: (mismatches: readonly string[]) => void): () => void {
  const onInit = (message: unknown): void => {
    const fastify = (message as { fastify: FastifyInstance }).fastify;
    fastify.addHook('onSend', (request, reply, payload, done) => {
      try {
        const document = servedDocumentOf(fastify);
        const route = request.routeOptions.url;
        if (document !== undefined && route !== undefined && (payload === null || payload === undefined || typeof payload === 'string' || Buffer.isBuffer(payload))) {
          const contentType = reply.getHeader('content-type');
          const found = validatorOf(document).check({
            method: request.method,
            path: openApiPathOf(route),
            status: reply.statusCode,
            contentType: typeof contentType === 'string' ? contentType : undefined,
            body: payload === null || payload === undefined ? '' : payload.toString(),
          });
          if (found.length > 0) report(found);
        }
      } catch (error) {
        report([`${request.method} ${request.url}: the check failed: ${String(error)}`]);
      }
      done(null, payload);
    });
  };
  subscribe(INITIALIZATION, onInit);
  return () => unsubscribe(INITIALIZATION, onInit);
}

const recorded: string[] = [];

/** Starts recording the mismatches of every app created from now on (the jest setup does, for every test file). */
export function recordAnswerMismatches(): () => void {
  return watchAnswers((found) => recorded.push(...found));
}

/** The mismatches recorded since the last call (a test that provokes one on purpose takes it here). */
export function takeAnswerMismatches(): string[] {
  return recorded.splice(0);
}
