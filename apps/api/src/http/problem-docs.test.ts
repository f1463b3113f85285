import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { CONFLICT_REASONS } from '../common/errors';
import { OPENAPI_PATHS } from './openapi';
import { PROBLEMS, type ProblemKind, problemType } from './problem';
import { README_PROBLEM_TABLE, problemTable } from './problem-docs';

type Responses = Record<string, { content?: Record<string, { schema?: { allOf?: { properties?: { type?: { enum?: string[] } } }[] } }> }>;

/** Every `type` an operation's error responses declare, per HTTP status. */
function declaredTypes(doc: OpenAPIObject): Map<string, Set<string>> {
  const byStatus = new Map<string, Set<string>>();
  for (const item of Object.values(doc.paths)) {
    for (const operation of Object.values(item as Record<string, { responses?: Responses }>)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        for (const media of Object.values(response.content ?? {})) {
          for (const part of media.schema?.allOf ?? []) {
            for (const type of part.properties?.type?.enum ?? []) byStatus.set(status, (byStatus.get(status) ?? new Set()).add(type));
          }
        }
      }
    }
  }
  return byStatus;
}

describe('problem types are documented', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db);
    doc = (await app.inject({ method: 'GET', url: OPENAPI_PATHS.json })).json<OpenAPIObject>();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('apps/api/README.md lists exactly the kinds of PROBLEMS, with their status and title', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const begin = readme.indexOf(README_PROBLEM_TABLE.begin);
    const end = readme.indexOf(README_PROBLEM_TABLE.end);
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(begin);
    const table = readme.slice(begin + README_PROBLEM_TABLE.begin.length, end).trim();
    // On a difference: paste problemTable()'s output between the README markers.
    expect(table).toBe(problemTable());
  });

  it('every conflict a service raises is its own 409 kind, not the generic one', () => {
    for (const reason of CONFLICT_REASONS) {
      const kind: ProblemKind = reason;
      expect({ reason, status: PROBLEMS[kind].status }).toEqual({ reason, status: 409 });
    }
    expect(CONFLICT_REASONS).not.toContain('conflict');
  });

  it('the OpenAPI Problem schema lists every type, and each app conflict is declared by an operation under 409', () => {
    const schema = doc.components?.schemas?.['Problem'] as { properties: { type: { enum?: string[] } } };
    expect([...(schema.properties.type.enum ?? [])].sort()).toEqual((Object.keys(PROBLEMS) as ProblemKind[]).map(problemType).sort());
    const declared = declaredTypes(doc);
    for (const reason of CONFLICT_REASONS) expect({ reason, declared: declared.get('409')?.has(problemType(reason)) }).toEqual({ reason, declared: true });
    for (const [status, types] of declared) {
      for (const type of types) {
        const kind = type.slice(type.lastIndexOf('/') + 1) as ProblemKind;
        expect({ type, status }).toEqual({ type, status: String(PROBLEMS[kind].status) });
      }
    }
  });
});
