/**
 * The published GMO Aozora Net Bank personal API spec
 * (../shared/specs/gmo-aozora/personal-swagger.yaml, Swagger 2.0) as a checker of the
 * sandbox's answers (every data operation is a GET below the spec's basePath): each answer's
 * status must be declared by its operation and its body must validate (ajv) against the schema
 * declared for that status. One place for the connector's contract test and its kit's
 * sandbox-matches-spec.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { GmoAozoraAnswer } from '../gmo-aozora';
import { oncePerFile, specAjv, validatorCache, type Schema } from './shared';

/** The spec's path under ../shared. */
export const GMO_AOZORA_SPEC = 'specs/gmo-aozora/personal-swagger.yaml';

export interface GmoAozoraSpecParameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly description?: string;
}
export interface GmoAozoraSpecOperation {
  readonly parameters?: readonly GmoAozoraSpecParameter[];
  readonly responses: Readonly<Record<string, { readonly schema?: Schema }>>;
}
export interface GmoAozoraSpec {
  readonly basePath: string;
  readonly paths: Readonly<Record<string, Readonly<Record<string, GmoAozoraSpecOperation>>>>;
}

export interface GmoAozoraSpecChecker {
  readonly spec: GmoAozoraSpec;
  /** What is wrong with one answer of `GET <basePath><path>`; empty when it conforms. */
  problems(answer: GmoAozoraAnswer): string[];
}

/** Parses (once per file and process) and dereferences the spec; its answer checker. */
export const gmoAozoraSpecChecker = oncePerFile(async (file: string): Promise<GmoAozoraSpecChecker> => {
  const spec = (await SwaggerParser.dereference(file)) as unknown as GmoAozoraSpec;
  const ajv = specAjv();
  const validator = validatorCache(ajv);
  return {
    spec,
    problems({ path, status, body }) {
      const specPath = path.startsWith(spec.basePath) ? path.slice(spec.basePath.length) : path;
      const declared = spec.paths[specPath]?.['get']?.responses[String(status)];
      if (declared === undefined) return [`GET ${specPath} ${status}: status not declared`];
      const validate = validator(`${specPath} ${status}`, declared.schema ?? {});
      return validate(body) ? [] : [`GET ${specPath} ${status}: ${ajv.errorsText(validate.errors)}`];
    },
  };
});
