/**
 * The published UK Open Banking Read/Write 4.0 AIS spec
 * (../shared/specs/uk-open-banking/account-info-openapi.yaml, OpenAPI 3.0) as a checker of the
 * sandbox's answers: each answer's status must be declared by its operation, with the
 * x-fapi-interaction-id the spec requires; an answer the operation gives a body must carry one
 * that validates (ajv) against its application/json schema, and one it gives none must carry
 * none. Also the request bodies the connector posts (the consent), against the operation's
 * schema. One place for the connector's contract test and its kit's sandbox-matches-spec.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { UkOpenBankingAnswer } from '../uk-open-banking';
import { oncePerFile, specAjv, validatorCache, type Schema } from './shared';

/** The spec's path under ../shared. */
export const UK_OPEN_BANKING_SPEC = 'specs/uk-open-banking/account-info-openapi.yaml';

export interface UkOpenBankingSpecParameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema?: Schema;
}
interface SpecResponse {
  readonly headers?: Readonly<Record<string, { readonly required?: boolean }>>;
  readonly content?: Readonly<Record<string, { readonly schema?: Schema }>>;
}
export interface UkOpenBankingSpecOperation {
  readonly parameters?: readonly UkOpenBankingSpecParameter[];
  readonly requestBody?: { readonly content: Readonly<Record<string, { readonly schema?: Schema }>> };
  readonly responses: Readonly<Record<string, SpecResponse>>;
}
export interface UkOpenBankingSpec {
  readonly paths: Readonly<Record<string, Readonly<Record<string, UkOpenBankingSpecOperation>>>>;
}

export interface UkOpenBankingSpecChecker {
  readonly spec: UkOpenBankingSpec;
  /** The spec's path template and operation of `method path` (below the base path). */
  operation(method: string, path: string): { readonly template: string; readonly operation: UkOpenBankingSpecOperation } | undefined;
  /** What is wrong with one answer; empty when it conforms. */
  problems(answer: UkOpenBankingAnswer): string[];
  /** What is wrong with a request body of `method template` (the consent the connector posts). */
  requestProblems(method: string, template: string, body: unknown): string[];
}

/** Parses (once per file and process) and dereferences the spec; its answer checker. */
export const ukOpenBankingSpecChecker = oncePerFile(async (file: string): Promise<UkOpenBankingSpecChecker> => {
  const spec = (await SwaggerParser.dereference(file)) as unknown as UkOpenBankingSpec;
  const ajv = specAjv();
  const validator = validatorCache(ajv);
  const templates = Object.keys(spec.paths).map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));
  const operation: UkOpenBankingSpecChecker['operation'] = (method, path) => {
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
      const validate = validator(`${found.template} ${method} ${status}`, schema);
      if (!validate(body)) out.push(`${shown}: ${ajv.errorsText(validate.errors)}`);
      return out;
    },
    requestProblems(method, template, body) {
      const schema = spec.paths[template]?.[method.toLowerCase()]?.requestBody?.content['application/json']?.schema;
      if (schema === undefined) return [`${method} ${template}: no request body declared`];
      const validate = validator(`${template} ${method} request`, schema);
      return validate(body) ? [] : [`${method} ${template} request: ${ajv.errorsText(validate.errors)}`];
    },
  };
});
