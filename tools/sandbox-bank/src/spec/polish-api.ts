/**
 * The PolishAPI spec (../shared/specs/polish-api/PolishAPI-ver2_1_2.yaml, Swagger 2.0) as a
 * checker of the sandbox's answers (every operation is a POST): the status must be declared by
 * the operation, a 200 must carry X-JWS-SIGNATURE (the spec's response header), a body must be
 * JSON when a schema is declared (and absent when none is), and it must validate (ajv) against
 * that schema both as written and closed (no property the spec does not define). One place for
 * the sandbox's contract test and the connector kit's sandbox-matches-spec.
 *
 * The document is dereferenced, not validated: swagger-parser's validation rejects the
 * published file itself (EatCodeRequest of authorizeExt requires an undeclared `requestId`).
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { SpecAnswerChecker } from './bank-common-api';
import { declaredFor, oncePerFile, parseBody, specAjv, validatorCache, type Schema } from './shared';
interface SpecOperation {
  readonly responses: Readonly<Record<string, { readonly schema?: Schema; readonly headers?: Readonly<Record<string, unknown>> }>>;
}
type Spec = { readonly paths: Readonly<Record<string, Readonly<Record<string, SpecOperation>>>> };

/** Drops what JSON Schema does not know (Swagger's `example`, `xml`, `x-` extensions), never touching property names. */
function jsonSchemaOf(schema: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'example' || k === 'xml' || k.startsWith('x-') || k === 'discriminator') continue;
    if (k === 'properties' && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([n, s]) => [n, jsonSchemaOf(s)]));
    else if (k === 'items' && v && typeof v === 'object') out[k] = jsonSchemaOf(v as Schema);
    else if (k === 'allOf' && Array.isArray(v)) out[k] = v.map((s: Schema) => jsonSchemaOf(s));
    else out[k] = v;
  }
  return out;
}

/** One object schema from an allOf (properties and required merged), recursively. */
function flatten(schema: Schema): Schema {
  let out: Schema = { ...schema };
  if (Array.isArray(schema['allOf'])) {
    const parts = (schema['allOf'] as Schema[]).map(flatten);
    delete out['allOf'];
    const properties = Object.assign({}, ...parts.map((p) => (p['properties'] as Schema | undefined) ?? {}), out['properties'] ?? {});
    const required = [...new Set(parts.flatMap((p) => (p['required'] as string[] | undefined) ?? []).concat((out['required'] as string[] | undefined) ?? []))];
    out = { ...out, type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
  }
  if (out['properties']) out['properties'] = Object.fromEntries(Object.entries(out['properties'] as Record<string, Schema>).map(([n, s]) => [n, flatten(s)]));
  if (out['items']) out['items'] = flatten(out['items'] as Schema);
  return out;
}

/** The same schema, closed: no property the spec does not declare (objects with declared properties only). */
function closed(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (schema['properties']) {
    out['properties'] = Object.fromEntries(Object.entries(schema['properties'] as Record<string, Schema>).map(([k, s]) => [k, closed(s)]));
    out['additionalProperties'] = false;
  }
  if (schema['items']) out['items'] = closed(schema['items'] as Schema);
  return out;
}

/** The PolishAPI checker and its dereferenced spec. */
export interface PolishApiSpecChecker extends SpecAnswerChecker {
  readonly spec: Spec;
}

/** Parses (once per file and process) and dereferences the spec; its answer checker. */
export const polishApiSpecChecker = oncePerFile(async (file: string): Promise<PolishApiSpecChecker> => {
  const spec = (await SwaggerParser.dereference(file)) as unknown as Spec;
  const ajv = specAjv();
  for (const f of ['int32', 'int64', 'double', 'float']) ajv.addFormat(f, true);
  const validator = validatorCache(ajv);
  return {
    spec,
    problems(answer) {
      const { path, status, headers, body } = answer;
      const found = declaredFor(spec.paths, answer);
      if ('problem' in found) return [found.problem];
      const { where, response } = found;
      const problems: string[] = [];
      if (status === 200 && headers['x-jws-signature'] === undefined) problems.push(`${where}: header X-JWS-SIGNATURE missing`);
      if (!response.schema) {
        if (body !== '') problems.push(`${where}: a body where the spec declares none`);
        return problems;
      }
      if (!/^application\/json/.test(headers['content-type'] ?? '')) problems.push(`${where}: content-type ${headers['content-type'] ?? 'none'}, not application/json`);
      const schema = flatten(jsonSchemaOf(response.schema));
      for (const [label, s] of [['as written', schema], ['closed', closed(schema)]] as const) {
        const validate = validator(`${path} ${status} ${label}`, s);
        if (!validate(parseBody(body))) problems.push(`${where} (schema ${label}): ${ajv.errorsText(validate.errors)}`);
      }
      return problems;
    },
  };
});
