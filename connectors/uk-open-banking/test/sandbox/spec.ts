// The published spec (../shared/specs/uk-open-banking/account-info-openapi.yaml, OpenAPI 3.0)
// as a checker of the sandbox's answers: each answer's status must be declared by its
// operation, an answer the operation gives a body must carry one that validates (ajv) against
// its application/json schema, and one it gives none must carry none. One place for the
// contract test and the kit's sandbox-matches-spec.
import SwaggerParser from '@apidevtools/swagger-parser';
import { resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { SandboxAnswer } from './bank';

/** Where the spec lives: ../shared beside the repository (absent in a public clone). */
export const SPEC_FILE = resolve(__dirname, '../../../../../shared/specs/uk-open-banking/account-info-openapi.yaml');

export interface SpecParameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema?: Record<string, unknown>;
}
export interface SpecResponse {
  readonly headers?: Readonly<Record<string, { readonly required?: boolean }>>;
  readonly content?: Readonly<Record<string, { readonly schema?: Record<string, unknown> }>>;
}
export interface SpecOperation {
  readonly parameters?: readonly SpecParameter[];
  readonly requestBody?: { readonly content: Readonly<Record<string, { readonly schema?: Record<string, unknown> }>> };
  readonly responses: Readonly<Record<string, SpecResponse>>;
}
export interface Spec {
  readonly paths: Readonly<Record<string, Readonly<Record<string, SpecOperation>>>>;
}

export interface SpecChecker {
  readonly spec: Spec;
  /** The spec's path template and operation of `method path` (below the base path). */
  operation(method: string, path: string): { readonly template: string; readonly operation: SpecOperation } | undefined;
  /** What is wrong with one answer; empty when it conforms. */
  problems(answer: SandboxAnswer): string[];
  /** What is wrong with a request body of `method template` (the consent the connector posts). */
  requestProblems(method: string, template: string, body: unknown): string[];
}

const loaded = new Map<string, Promise<SpecChecker>>();

/** Parses (once per file and process) and dereferences the spec. */
export function loadSpec(file: string = SPEC_FILE): Promise<SpecChecker> {
  let checker = loaded.get(file);
  if (checker === undefined) {
    checker = (async () => {
      const spec = (await SwaggerParser.dereference(file)) as unknown as Spec;
      const ajv = new Ajv({ strict: false, allErrors: true });
      addFormats(ajv);
      const validators = new Map<string, ValidateFunction>();
      const compiled = (key: string, schema: Record<string, unknown>): ValidateFunction => {
        let v = validators.get(key);
        if (v === undefined) {
          v = ajv.compile(schema);
          validators.set(key, v);
        }
        return v;
      };
      const templates = Object.keys(spec.paths).map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      }));
      const operation = (method: string, path: string) => {
        const found = templates.find((t) => t.pattern.test(path) && spec.paths[t.template]?.[method.toLowerCase()] !== undefined);
        const op = found === undefined ? undefined : spec.paths[found.template]?.[method.toLowerCase()];
        return found === undefined || op === undefined ? undefined : { template: found.template, operation: op };
      };
      return {
        spec,
        operation,
        problems({ method, path, status, body, interactionId }) {
          const found = operation(method, path);
          if (found === undefined) return [`${method} ${path}: no such operation in the spec`];
          const shown = `${method} ${found.template} ${status}`;
          const declared = found.operation.responses[String(status)];
          if (declared === undefined) return [`${shown}: status not declared`];
          const out: string[] = [];
          if (declared.headers?.['x-fapi-interaction-id']?.required === true && interactionId === undefined) out.push(`${shown}: no x-fapi-interaction-id`);
          const schema = declared.content?.['application/json']?.schema;
          if (schema === undefined) {
            if (body !== undefined) out.push(`${shown}: a body where the spec declares none`);
            return out;
          }
          const validate = compiled(`${found.template} ${method} ${status}`, schema);
          if (!validate(body)) out.push(`${shown}: ${ajv.errorsText(validate.errors)}`);
          return out;
        },
        requestProblems(method, template, body) {
          const schema = spec.paths[template]?.[method.toLowerCase()]?.requestBody?.content['application/json']?.schema;
          if (schema === undefined) return [`${method} ${template}: no request body declared`];
          const validate = compiled(`${template} ${method} request`, schema);
          return validate(body) ? [] : [`${method} ${template} request: ${ajv.errorsText(validate.errors)}`];
        },
      };
    })();
    loaded.set(file, checker);
  }
  return checker;
}
