/** What the spec checkers share: the ajv they validate with, its compiled validators, the body, the cache. */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { SpecAnswer } from '../answer-log';

export type Schema = Record<string, unknown>;

/** ajv as the checkers use it: every error reported, the spec's unknown keywords tolerated, formats known. */
export function specAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv;
}

/** A validator per key, compiled once (after `prepare`, e.g. an OpenAPI 3.0 → draft 7 rewrite). */
export function validatorCache(ajv: Ajv, prepare: (schema: Schema) => Schema = (s) => s): (key: string, schema: Schema) => ValidateFunction {
  const validators = new Map<string, ValidateFunction>();
  return (key, schema) => {
    let v = validators.get(key);
    if (!v) {
      v = ajv.compile(prepare(schema));
      validators.set(key, v);
    }
    return v;
  };
}

/** An answer's body as JSON, or its text when it is not JSON (the schema check then says so). */
export function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `build` once per spec file and process: parsing and dereferencing a spec is the slow part. */
export function oncePerFile<T>(build: (file: string) => Promise<T>): (file: string) => Promise<T> {
  const loaded = new Map<string, Promise<T>>();
  return (file) => {
    let checker = loaded.get(file);
    if (checker === undefined) {
      checker = build(file);
      loaded.set(file, checker);
    }
    return checker;
  };
}

/** The operation and the response a spec declares for an answer (with `where` naming it in problems), or what is wrong. */
export function declaredFor<Op extends { readonly responses: Readonly<Record<string, unknown>> }>(
  paths: Readonly<Record<string, Readonly<Record<string, Op>>>>,
  { method, path, status }: SpecAnswer,
): { readonly where: string; readonly op: Op; readonly response: NonNullable<Op['responses'][string]> } | { readonly problem: string } {
  const where = `${method.toUpperCase()} ${path} ${status}`;
  const op = paths[path]?.[method];
  if (!op) return { problem: `${method.toUpperCase()} ${path}: not an operation of the spec` };
  const response = op.responses[String(status)];
  if (response === undefined) return { problem: `${where}: status not declared` };
  return { where, op, response: response as NonNullable<Op['responses'][string]> };
}
