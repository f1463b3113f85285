import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '../app.module';
import { loadSettings } from '../config/settings';
import { createOpenApiDocument } from '../http/openapi';

/**
 * The OpenAPI document the API serves at `/api/openapi.json`, built without a database or a
 * listening server: Nest's preview mode scans the modules and controllers (their routes and
 * DTO metadata are all the document is made of) and instantiates no provider, so nothing
 * connects anywhere. The same {@link createOpenApiDocument} builds the served document.
 */
export async function offlineOpenApiDocument(): Promise<OpenAPIObject> {
  const settings = loadSettings({
    KINKO_MODE: 'test',
    // Never used (no provider is created): the settings only have to be valid.
    KINKO_MASTER_KEY: randomBytes(32).toString('base64'),
    KINKO_MASTER_KEY_ID: 'openapi-document',
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ settings: { settings }, databaseUrl: 'postgres://openapi-document.invalid/none' }),
    new FastifyAdapter(),
    { preview: true, logger: false, abortOnError: false },
  );
  try {
    return createOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The document as the committed snapshot holds it: two-space JSON with a final newline. */
export function openApiDocumentText(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** `node dist/cli/openapi-document.js <file>`: writes the document to `<file>` (the client's `generate`). */
async function writeOpenApiDocument(argv: readonly string[]): Promise<number> {
  const [target] = argv;
  if (!target) {
    process.stderr.write('usage: openapi-document.js <output file>\n');
    return 2;
  }
  const file = resolve(target);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, openApiDocumentText(await offlineOpenApiDocument()));
  process.stdout.write(`wrote ${file}\n`);
  return 0;
}

if (require.main === module) {
  writeOpenApiDocument(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
