import { STATUS_CODES } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule, getSchemaPath } from '@nestjs/swagger';
import { SECURITY } from '../auth/auth.decorators';
import { ACTING_AS_METHODS, ACTING_AS_USER_HEADER } from '../auth/principal';
import { PROBLEMS, PROBLEM_MEDIA_TYPE, Problem, type ProblemKind, problemType } from './problem';
import { describeProblemKinds, problemKindsByStatus, problemSchema } from './problem-docs';
import { describeWebhookCallbacks } from '../webhooks/webhook-openapi';

/** Where the OpenAPI document and its interactive reference are served. */
export const OPENAPI_PATHS = { json: '/api/openapi.json', docs: '/api/docs' } as const;

/** The OpenAPI version of the document. */
export const OPENAPI_VERSION = '3.1.0';

/**
 * An operation's id when its `@ApiOperation` names none: `<controller><Method>` in camelCase
 * (`LinkController.root` → `linkRoot`). API routes name theirs (`listBankAccounts`, `startBankSync`).
 */
export function defaultOperationId(controllerKey: string, methodKey: string): string {
  const controller = controllerKey.replace(/Controller$/, '');
  return `${controller.charAt(0).toLowerCase()}${controller.slice(1)}${methodKey.charAt(0).toUpperCase()}${methodKey.slice(1)}`;
}

/** Builds the OpenAPI 3.1 document from the controllers and DTOs. */
export function createOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Kinko API')
    .setDescription(
      'Bank account aggregation. The **tenant API** (API key) manages users and mints short-lived user tokens; the **user API** ' +
        '(user token) reads one user\'s connections, accounts and transactions. Every error is `application/problem+json` ' +
        '(RFC 9457) with a stable `type` under https://kinko.dev/problems/.',
    )
    .setVersion('2')
    // 3.1: a nullable field is JSON Schema `type: [..., "null"]` (a nullable $ref `anyOf [$ref, null]`,
    // a nullable enum lists null), which @nestjs/swagger writes from the DTOs' `nullable: true`.
    .setOpenAPIVersion(OPENAPI_VERSION)
    .addServer('/', 'This Kinko server (the one serving this document).')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'A tenant API key.' }, SECURITY.apiKeyBearer)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'A tenant API key (alternative header).' }, SECURITY.apiKeyHeader)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A user token minted by the tenant API.' }, SECURITY.userToken)
    .build();
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: defaultOperationId });
  // Error bodies are problem+json, not application/json (the Link pages' polling answer is JSON, not a problem).
  const problemRef = `"${getSchemaPath(Problem)}"`;
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      const responses = (operation as { responses?: Record<string, { content?: Record<string, unknown> }> }).responses;
      for (const [status, response] of Object.entries(responses ?? {})) {
        if (Number(status) >= 400 && response.content?.['application/json'] && JSON.stringify(response.content['application/json']).includes(problemRef)) {
          response.content = { [PROBLEM_MEDIA_TYPE]: response.content['application/json'] };
        }
      }
    }
  }
  declareCommonProblems(document);
  describeUndescribedResponses(document);
  // Every webhook payload, as callbacks of the endpoint registration.
  describeWebhookCallbacks(document);
  return document;
}

const servedDocuments = new WeakMap<object, OpenAPIObject>();

/** The document a Fastify instance serves (set by {@link serveOpenApi}); tests validate its answers against it. */
export function servedDocumentOf(fastify: object): OpenAPIObject | undefined {
  return servedDocuments.get(fastify);
}

/**
 * Problems any operation can answer, whatever its handler does: the validation pipe and the
 * body parser (400), a body too large or of another media type (413, 415 — methods with a
 * body), authentication and rate limits (401, 429 — authenticated operations), an internal
 * error and the database out of reach (500, 503).
 */
export const COMMON_PROBLEMS = {
  every: ['validation', 'malformed-request', 'internal', 'service-unavailable'],
  withBody: ['payload-too-large', 'unsupported-media-type'],
  authenticated: ['unauthorized', 'rate-limited'],
  /** User API reads with the API key acting as a user ({@link ACTING_AS_USER_HEADER}) — not the tenant's user: 404. */
  actingAsRead: ['not-found'],
  /** Any other user API call with it: 403. */
  actingAsOther: ['forbidden'],
} as const satisfies Record<string, readonly ProblemKind[]>;

/** The acting-as header as an operation parameter. */
const ACTING_AS_PARAMETER = {
  name: ACTING_AS_USER_HEADER,
  in: 'header',
  required: false,
  description: "With the tenant's API key instead of a user token: read as this user of the tenant (GET only; another tenant's user or an unknown id: 404).",
  schema: { type: 'string', format: 'uuid' },
} as const;

const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);

type ProblemResponse = { description?: string; content?: Record<string, { schema?: { $ref?: string; allOf?: Array<{ $ref?: string; properties?: { type?: { enum?: string[] } } }> } }> };

/** Adds {@link COMMON_PROBLEMS} to every operation: a new response, or their kinds added to the one the operation declares. */
function declareCommonProblems(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const [method, raw] of Object.entries(item as Record<string, unknown>)) {
      const operation = raw as { security?: Array<Record<string, unknown>>; parameters?: unknown[]; responses?: Record<string, ProblemResponse> };
      const userApi = operation.security?.some((s) => SECURITY.userToken in s) ?? false;
      const actingAs = userApi && ACTING_AS_METHODS.has(method.toUpperCase());
      if (actingAs) {
        // The tenant's API key may read as one of its users.
        operation.security = [...(operation.security ?? []), { [SECURITY.apiKeyBearer]: [] }, { [SECURITY.apiKeyHeader]: [] }];
        operation.parameters = [...(operation.parameters ?? []), { ...ACTING_AS_PARAMETER }];
      }
      const kinds: ProblemKind[] = [
        ...COMMON_PROBLEMS.every,
        ...(BODY_METHODS.has(method) ? COMMON_PROBLEMS.withBody : []),
        ...((operation.security?.length ?? 0) > 0 ? COMMON_PROBLEMS.authenticated : []),
        ...(userApi ? (actingAs ? COMMON_PROBLEMS.actingAsRead : COMMON_PROBLEMS.actingAsOther) : []),
      ];
      const responses = (operation.responses ??= {});
      for (const [status, ofStatus] of problemKindsByStatus(kinds)) {
        const declared = responses[String(status)];
        if (declared === undefined) {
          responses[String(status)] = { description: describeProblemKinds(ofStatus), content: { [PROBLEM_MEDIA_TYPE]: { schema: problemSchema(ofStatus) } } };
          continue;
        }
        const schema = declared.content?.[PROBLEM_MEDIA_TYPE]?.schema;
        const narrowed = schema?.allOf?.[1]?.properties?.type?.enum;
        if (narrowed !== undefined) {
          const added = ofStatus.filter((kind) => !narrowed.includes(problemType(kind)));
          narrowed.push(...added.map(problemType));
          if (added.length > 0) declared.description = `${declared.description ?? ''} ${describeProblemKinds(added)}`.trim();
        } else if (schema === undefined) {
          declared.content = { ...declared.content, [PROBLEM_MEDIA_TYPE]: { schema: problemSchema(ofStatus) } };
        }
      }
    }
  }
}

/** The schema a response's body is named after: `BankAccountView`, or `BankAccountView[]` for a list. */
function schemaName(schema: { $ref?: string; type?: unknown; items?: { $ref?: string } } | undefined): string | undefined {
  if (schema?.$ref !== undefined) return schema.$ref.split('/').pop();
  if (schema?.type === 'array' && schema.items?.$ref !== undefined) return `${schema.items.$ref.split('/').pop() ?? ''}[]`;
  return undefined;
}

/**
 * A response declared without a description gets one: its status text and body schema
 * (`OK: BankAccountView[]`), a problem response the titles of the kinds it can carry.
 */
function describeUndescribedResponses(document: OpenAPIObject): void {
  const allKinds = Object.keys(PROBLEMS) as ProblemKind[];
  for (const item of Object.values(document.paths)) {
    for (const raw of Object.values(item as Record<string, unknown>)) {
      const responses = (raw as { responses?: Record<string, ProblemResponse> }).responses ?? {};
      for (const [status, response] of Object.entries(responses)) {
        if (response.description?.trim()) continue;
        const problem = response.content?.[PROBLEM_MEDIA_TYPE]?.schema;
        if (problem !== undefined) {
          const narrowed = problem.allOf?.[1]?.properties?.type?.enum;
          response.description = describeProblemKinds(allKinds.filter((kind) => (narrowed ? narrowed.includes(problemType(kind)) : PROBLEMS[kind].status === Number(status))));
          continue;
        }
        const body = Object.values(response.content ?? {})[0]?.schema as Parameters<typeof schemaName>[0];
        const name = schemaName(body);
        response.description = `${STATUS_CODES[Number(status)] ?? status}${name ? `: ${name}` : ''}.`;
      }
    }
  }
}

/** Serves the document as JSON and as a Swagger UI page whose assets come from this server (no CDN). */
export function serveOpenApi(app: NestFastifyApplication, document: OpenAPIObject): void {
  servedDocuments.set(app.getHttpAdapter().getInstance(), document);
  SwaggerModule.setup(OPENAPI_PATHS.docs.slice(1), app, document, {
    jsonDocumentUrl: OPENAPI_PATHS.json.slice(1),
    raw: ['json'],
    customSiteTitle: 'Kinko API reference',
    // No call to the public validator badge service.
    swaggerOptions: { validatorUrl: null, persistAuthorization: false },
  });
}
