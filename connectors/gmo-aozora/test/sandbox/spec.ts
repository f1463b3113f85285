// The published spec (../shared/specs/gmo-aozora/personal-swagger.yaml, Swagger 2.0) as a
// checker of the sandbox's answers: each answer's status must be declared by its operation and
// its body must validate (ajv) against the schema declared for that status. One place for the
// contract test and the kit's sandbox-matches-spec.
import SwaggerParser from '@apidevtools/swagger-parser';
import { resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { SandboxAnswer } from './bank';

/** Where the spec lives: ../shared beside the repository (absent in a public clone). */
export const SPEC_FILE = resolve(__dirname, '../../../../../shared/specs/gmo-aozora/personal-swagger.yaml');

export interface SpecParameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly description?: string;
}
export interface SpecOperation {
  readonly parameters?: readonly SpecParameter[];
  readonly responses: Readonly<Record<string, { readonly schema?: Record<string, unknown> }>>;
}
export interface Spec {
  readonly basePath: string;
  readonly paths: Readonly<Record<string, Readonly<Record<string, SpecOperation>>>>;
}

export interface SpecChecker {
  readonly spec: Spec;
  /** What is wrong with one answer of `GET <basePath><path>`; empty when it conforms. */
  problems(answer: SandboxAnswer): string[];
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
      return {
        spec,
        problems({ path, status, body }) {
          const specPath = path.startsWith(spec.basePath) ? path.slice(spec.basePath.length) : path;
          const declared = spec.paths[specPath]?.['get']?.responses[String(status)];
          if (declared === undefined) return [`GET ${specPath} ${status}: status not declared`];
          const key = `${specPath} ${status}`;
          let validate = validators.get(key);
          if (validate === undefined) {
            validate = ajv.compile(declared.schema ?? {});
            validators.set(key, validate);
          }
          return validate(body) ? [] : [`GET ${specPath} ${status}: ${ajv.errorsText(validate.errors)}`];
        },
      };
    })();
    loaded.set(file, checker);
  }
  return checker;
}
