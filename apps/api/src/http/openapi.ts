import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { SECURITY } from '../auth/auth.decorators';
import { PROBLEM_MEDIA_TYPE } from './problem';
import { describeWebhookCallbacks } from '../webhooks/webhook-openapi';

/** Where the OpenAPI document and its interactive reference are served. */
export const OPENAPI_PATHS = { json: '/api/openapi.json', docs: '/api/docs' } as const;

/** Builds the OpenAPI 3 document from the controllers and DTOs. */
export function createOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Kinko API')
    .setDescription(
      'Bank account aggregation. The **tenant API** (API key) manages users and mints short-lived user tokens; the **user API** ' +
        '(user token) reads one user\'s connections, accounts and transactions. Every error is `application/problem+json` ' +
        '(RFC 9457) with a stable `type` under https://kinko.dev/problems/.',
    )
    .setVersion('2')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'A tenant API key.' }, SECURITY.apiKeyBearer)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'A tenant API key (alternative header).' }, SECURITY.apiKeyHeader)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A user token minted by the tenant API.' }, SECURITY.userToken)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // Error bodies are problem+json, not application/json.
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      const responses = (operation as { responses?: Record<string, { content?: Record<string, unknown> }> }).responses;
      for (const [status, response] of Object.entries(responses ?? {})) {
        if (Number(status) >= 400 && response.content?.['application/json']) {
          response.content = { [PROBLEM_MEDIA_TYPE]: response.content['application/json'] };
        }
      }
    }
  }
  // Every webhook payload, as callbacks of the endpoint registration.
  describeWebhookCallbacks(document);
  return document;
}

/** Serves the document as JSON and as a Swagger UI page whose assets come from this server (no CDN). */
export function serveOpenApi(app: NestFastifyApplication, document: OpenAPIObject): void {
  SwaggerModule.setup(OPENAPI_PATHS.docs.slice(1), app, document, {
    jsonDocumentUrl: OPENAPI_PATHS.json.slice(1),
    raw: ['json'],
    customSiteTitle: 'Kinko API reference',
    // No call to the public validator badge service.
    swaggerOptions: { validatorUrl: null, persistAuthorization: false },
  });
}
