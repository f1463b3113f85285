// A published API spec (OpenAPI 3.x or Swagger 2.0, YAML or JSON) as a checker of the sandbox's
// answers: each answer's status must be one its operation declares (or `default`) and its JSON
// body must validate (ajv) against the schema declared for that status. The conformance kit's
// sandbox-matches-spec runs it (kit.ts: specProblems); use it in your own contract tests too.
// It is made of the parts every spec checker of the workspace shares (@kinko/sandbox-bank/spec:
// the ajv they validate with, its compiled validators, the spec parsed once per file); if your
// bank's sandbox moves into tools/sandbox-bank, its checker moves to src/spec there too.
import SwaggerParser from '@apidevtools/swagger-parser';
import { resolve } from 'node:path';
import { oncePerFile, specAjv, validatorCache } from '@kinko/sandbox-bank/spec';
import type { SandboxAnswer } from './bank';

/**
 * The spec the sandbox is checked against. `openapi.yaml` beside this file describes the
 * sandbox as generated; once you have the bank's published spec, point this at it (e.g.
 * `resolve(__dirname, '../../../../../shared/specs/<bank>/<file>.yaml')`: ../shared is absent
 * in a public clone, and the kit then skips the check, naming the file).
 */
export const SPEC_FILE = resolve(__dirname, 'openapi.yaml');

interface SpecResponse {
  readonly schema?: object;
  readonly content?: Readonly<Record<string, { readonly schema?: object }>>;
}
interface Spec {
  readonly basePath?: string;
  readonly paths: Readonly<Record<string, Readonly<Record<string, { readonly responses?: Readonly<Record<string, SpecResponse>> }>>>>;
}

export interface SpecChecker {
  /** What is wrong with one answer; empty when it conforms. */
  problems(answer: SandboxAnswer): string[];
}

/** `/accounts/{accountId}/transactions` → a regular expression matching its paths. */
const templateRegex = (template: string): RegExp =>
  new RegExp(`^${template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);

/** The answer checker of a spec file, parsed and dereferenced once per file and process. */
const checkerOf = oncePerFile(async (file: string): Promise<SpecChecker> => {
  const spec = (await SwaggerParser.dereference(file)) as unknown as Spec;
  const templates = Object.keys(spec.paths).map((t) => ({ t, re: templateRegex(t) }));
  const ajv = specAjv();
  const validator = validatorCache(ajv);
  return {
    problems({ method, path, status, body }) {
      const local = spec.basePath !== undefined && path.startsWith(spec.basePath) ? path.slice(spec.basePath.length) : path;
      const template = templates.find((x) => x.re.test(local))?.t;
      const operation = template === undefined ? undefined : spec.paths[template]?.[method.toLowerCase()];
      if (template === undefined || operation === undefined) return [`${method} ${local}: no such operation in the spec`];
      const declared = operation.responses?.[String(status)] ?? operation.responses?.['default'];
      if (declared === undefined) return [`${method} ${template} ${status}: status not declared`];
      const schema = declared.schema ?? declared.content?.['application/json']?.schema;
      if (schema === undefined) return [];
      const key = `${method} ${template} ${status}`;
      const validate = validator(key, schema as Record<string, unknown>);
      return validate(body) ? [] : [`${key}: ${ajv.errorsText(validate.errors)}`];
    },
  };
});

/** The checker of the spec (SPEC_FILE unless told). */
export const loadSpec = (file: string = SPEC_FILE): Promise<SpecChecker> => checkerOf(file);
