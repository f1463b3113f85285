/**
 * The 銀行共通API spec (../shared/specs/bank-common-api.yaml, Swagger 2.0) as a checker of the
 * sandbox's answers: the status must be declared by the operation, a 200's content type the
 * one it produces, and the body must validate (ajv) against the declared schema as written
 * and closed (every declared property present, no other). One place for the sandbox's
 * contract test and the connector kit's sandbox-matches-spec.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { SpecAnswer } from '../answer-log';
import { declaredFor, oncePerFile, parseBody, specAjv, validatorCache, type Schema } from './shared';

export type { Schema };

interface SpecOperation {
  readonly produces?: readonly string[];
  readonly responses: Readonly<Record<string, { readonly schema?: object }>>;
}
type Spec = { readonly paths: Readonly<Record<string, Readonly<Record<string, SpecOperation>>>> };

/** What is wrong with the sandbox's answers, one by one. */
export interface SpecAnswerChecker {
  /** What is wrong with one answer; empty when it conforms. */
  problems(answer: SpecAnswer): string[];
}

/** Drops what JSON Schema does not know (Swagger's `example`, `x-` extensions…), never touching property names. */
export function jsonSchemaOf(schema: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'example' || k.startsWith('x-') || k === 'discriminator' || k === 'xml' || k === 'externalDocs') continue;
    if (k === 'properties' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([name, s]) => [name, jsonSchemaOf(s)]));
    } else if (k === 'items' && v && typeof v === 'object') {
      out[k] = jsonSchemaOf(v as Schema);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** The same schema, closed: every declared property required and no other allowed (we answer exactly the spec's fields). */
export function closed(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (schema['properties']) {
    const props = schema['properties'] as Record<string, Schema>;
    out['properties'] = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, closed(s)]));
    out['required'] = Object.keys(props);
    out['additionalProperties'] = false;
  }
  if (schema['items']) out['items'] = closed(schema['items'] as Schema);
  return out;
}

/**
 * The seed gives /transactions items `date` as `format: date` while its description
 * ("ISO8601の拡張形式") and example (2020-01-10T13:15:35+09:00) are a date-time (marked
 * "# seed:" in the YAML). Banks answering date-times are checked against the schema with
 * that one format read as its example shows; banks answering plain dates against the
 * schema as written.
 */
export function withTransactionDateTime(schema: Schema): Schema {
  const copy = structuredClone(schema);
  const date = (((copy['properties'] as Schema)['transactions'] as Schema)['items'] as Schema)['properties'] as Record<string, Schema>;
  (date['date'] as Schema)['format'] = 'date-time';
  return copy;
}

/** Whether a /transactions answer writes its dates as date-times (the seed's example) rather than dates. */
const datesAreDateTimes = (body: unknown): boolean =>
  Array.isArray((body as { transactions?: unknown }).transactions) &&
  ((body as { transactions: Array<{ date?: unknown }> }).transactions).some((t) => typeof t.date === 'string' && t.date.includes('T'));

/** Parses (once per file and process) and dereferences the spec; its answer checker. */
export const bankCommonApiSpecChecker = oncePerFile(async (file: string): Promise<SpecAnswerChecker> => {
  const spec = (await SwaggerParser.dereference(file)) as unknown as Spec;
  const ajv = specAjv();
  const validator = validatorCache(ajv);
  return {
    problems(answer) {
      const { path, status, headers, body } = answer;
      const found = declaredFor(spec.paths, answer);
      if ('problem' in found) return [found.problem];
      const { where, op, response } = found;
      const problems: string[] = [];
      const type = headers['content-type'] ?? '';
      if (status === 200 && op.produces?.includes('text/html') && !type.startsWith('text/html')) problems.push(`${where}: content-type ${type}, the spec produces text/html`);
      if (status === 200 && op.produces?.includes('application/json') && !type.startsWith('application/json')) problems.push(`${where}: content-type ${type}, the spec produces application/json`);
      if (!response.schema) return problems;
      const parsed = parseBody(body);
      const dateTimes = path === '/transactions' && datesAreDateTimes(parsed);
      const schema = (dateTimes ? withTransactionDateTime : (s: Schema) => s)(jsonSchemaOf(response.schema as Schema));
      for (const [label, s] of [['as written', schema], ['closed', closed(schema)]] as const) {
        const validate = validator(`${where} ${label} ${dateTimes ? 'date-time' : 'date'}`, s);
        if (!validate(parsed)) problems.push(`${where} (schema ${label}): ${ajv.errorsText(validate.errors)}`);
      }
      return problems;
    },
  };
});
