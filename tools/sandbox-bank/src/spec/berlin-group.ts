/**
 * The published NextGenPSD2 1.3.12 spec (../shared/specs/berlin-group/psd2-api_v1.3.12-2022-07-06.yaml,
 * OpenAPI 3.0) as a checker of the sandbox's answers: the status must be one the operation
 * declares, the headers the spec requires must be there (X-Request-ID; Location and
 * ASPSP-SCA-Approach on 201), and the body must validate (ajv) against the schema declared for
 * that status and content type. One place for the connector's contract test and its kit's
 * sandbox-matches-spec.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { SpecAnswer } from '../answer-log';
import { declaredFor, oncePerFile, parseBody, specAjv, validatorCache, type Schema } from './shared';

interface SpecResponse {
  readonly headers?: Readonly<Record<string, { readonly required?: boolean }>>;
  readonly content?: Readonly<Record<string, { readonly schema?: Schema }>>;
}
export interface BerlinGroupSpecOperation {
  readonly parameters?: ReadonlyArray<{ readonly name: string; readonly in: string; readonly schema?: Schema }>;
  readonly requestBody?: { readonly content: Readonly<Record<string, { readonly schema: Schema }>> };
  readonly responses: Readonly<Record<string, SpecResponse>>;
}
export interface BerlinGroupSpec {
  readonly paths: Readonly<Record<string, Readonly<Record<string, BerlinGroupSpecOperation>>>>;
}

export interface BerlinGroupSpecChecker {
  readonly spec: BerlinGroupSpec;
  /** What is wrong with one answer; empty when it conforms. */
  problems(answer: SpecAnswer): string[];
  /** A validator (compiled once per key) for a schema of the spec. */
  validator(key: string, schema: Schema): ValidateFunction;
  /** The text of a validator's last errors. */
  errorsText(validate: ValidateFunction): string;
}

/**
 * The document without its `examples` blocks: some of the published file's examples are JSON
 * written at an indentation YAML parsers reject ("deficient indentation", line 13362). Examples
 * are documentation only: no schema, status or header checked here is in them.
 */
function withoutExamples(text: string): string {
  const out: string[] = [];
  let skipDeeperThan = -1;
  for (const line of text.split(/\r?\n/)) {
    const indent = line.length - line.trimStart().length;
    if (skipDeeperThan >= 0) {
      if (line.trim() === '' || line.trimStart().startsWith('#') || indent > skipDeeperThan) continue;
      skipDeeperThan = -1;
    }
    if (/^\s*examples:\s*$/.test(line)) {
      skipDeeperThan = indent;
      continue;
    }
    out.push(line);
  }
  const file = join(mkdtempSync(join(tmpdir(), 'kinko-bg-spec-')), 'psd2-api.yaml');
  writeFileSync(file, out.join('\n'));
  return file;
}

/** An OpenAPI 3.0 schema as JSON Schema draft 7: its boolean exclusiveMinimum/Maximum (draft 4) become numbers. */
function draft7(schema: Schema, seen = new Map<Schema, Schema>()): Schema {
  const done = seen.get(schema);
  if (done) return done;
  const out: Schema = {};
  seen.set(schema, out);
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'exclusiveMinimum' || k === 'exclusiveMaximum') {
      const bound = schema[k === 'exclusiveMinimum' ? 'minimum' : 'maximum'];
      if (v === true && typeof bound === 'number') out[k] = bound;
      else if (typeof v === 'number') out[k] = v;
      continue;
    }
    if ((k === 'minimum' && schema['exclusiveMinimum'] === true) || (k === 'maximum' && schema['exclusiveMaximum'] === true)) continue;
    if (Array.isArray(v)) out[k] = v.map((x: unknown) => (typeof x === 'object' && x !== null ? draft7(x as Schema, seen) : x));
    else if (typeof v === 'object' && v !== null) out[k] = draft7(v as Schema, seen);
    else out[k] = v;
  }
  return out;
}

/** Parses (once per file and process) and dereferences the spec; its answer checker. */
export const berlinGroupSpecChecker = oncePerFile(async (file: string): Promise<BerlinGroupSpecChecker> => {
  const spec = (await SwaggerParser.dereference(withoutExamples(readFileSync(file, 'utf8')))) as unknown as BerlinGroupSpec;
  const ajv = specAjv();
  const validator = validatorCache(ajv, draft7);
  return {
    spec,
    validator,
    errorsText: (validate) => ajv.errorsText(validate.errors),
    problems(answer) {
      const { method, path, status, headers, body } = answer;
      const found = declaredFor(spec.paths, answer);
      if ('problem' in found) return [found.problem];
      const { where, response } = found;
      const problems: string[] = [];
      for (const [name, h] of Object.entries(response.headers ?? {})) {
        const needed = h.required === true || name === 'X-Request-ID' || (status === 201 && (name === 'Location' || name === 'ASPSP-SCA-Approach'));
        if (needed && headers[name.toLowerCase()] === undefined) problems.push(`${where}: header ${name} missing`);
      }
      const schema = response.content?.['application/json']?.schema;
      if (!schema) {
        if (body !== '') problems.push(`${where}: a body where the spec declares none`);
        return problems;
      }
      if (!/^application\/json/.test(headers['content-type'] ?? '')) problems.push(`${where}: content-type ${headers['content-type'] ?? 'none'}, not application/json`);
      const validate = validator(`${method} ${path} ${status}`, schema);
      if (!validate(parseBody(body))) problems.push(`${where}: ${ajv.errorsText(validate.errors)}`);
      return problems;
    },
  };
});
