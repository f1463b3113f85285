import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEMS, Problem, type ProblemKind, problemType } from './problem';

/** `type: title` lines of problem kinds, for a response description. */
const describeKinds = (kinds: readonly ProblemKind[]): string => kinds.map((k) => `\`${k}\`: ${PROBLEMS[k].title}.`).join(' ');

/**
 * Declares the problems an operation can answer with: one response per HTTP status, its body
 * the {@link Problem} schema with `type` narrowed to those kinds' URIs (an enum clients can
 * switch on) and each kind's title in the description. Kinds and statuses come from
 * `PROBLEMS` only.
 */
export function ApiProblems(...kinds: ProblemKind[]): MethodDecorator & ClassDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    // Kinds of the same status declared by another decorator of the operation (e.g. @Idempotent) are kept.
    const declared = (Reflect.getMetadata(API_RESPONSE_METADATA, descriptor ? (descriptor.value as object) : target) ?? {}) as Record<string, { schema?: ProblemSchema }>;
    const decorators = [...problemKindsByStatus(kinds)].map(([status, ofStatus]) => {
      const before = declared[String(status)]?.schema?.allOf?.[1].properties.type.enum ?? [];
      const union = [...(Object.keys(PROBLEMS) as ProblemKind[]).filter((kind) => before.includes(problemType(kind)) && !ofStatus.includes(kind)), ...ofStatus];
      return ApiResponse({ status, description: describeKinds(ofStatus), schema: problemSchema(union) });
    });
    applyDecorators(ApiExtraModels(Problem), ...decorators)(target, key as string | symbol, descriptor as PropertyDescriptor);
  };
}

/** @nestjs/swagger's metadata key of an operation's responses (its `DECORATORS.API_RESPONSE`). */
const API_RESPONSE_METADATA = 'swagger/apiResponse';

type ProblemSchema = ReturnType<typeof problemSchema>;

/** Problem kinds grouped by their HTTP status (from `PROBLEMS`). */
export function problemKindsByStatus(kinds: Iterable<ProblemKind>): Map<number, ProblemKind[]> {
  const byStatus = new Map<number, ProblemKind[]>();
  for (const kind of new Set(kinds)) byStatus.set(PROBLEMS[kind].status, [...(byStatus.get(PROBLEMS[kind].status) ?? []), kind]);
  return byStatus;
}

/** The schema of a problem answer of these kinds: the {@link Problem} with `type` narrowed to their URIs. */
export function problemSchema(kinds: readonly ProblemKind[]): { allOf: [{ $ref: string }, { type: 'object'; properties: { type: { type: 'string'; enum: string[] } } }] } {
  return { allOf: [{ $ref: getSchemaPath(Problem) }, { type: 'object', properties: { type: { type: 'string', enum: kinds.map(problemType) } } }] };
}

/** A response description naming each kind and its title. */
export const describeProblemKinds = (kinds: readonly ProblemKind[]): string => describeKinds(kinds);

/** Markers around the problem table in apps/api/README.md. */
export const README_PROBLEM_TABLE = { begin: '<!-- problem-types:begin (generated from PROBLEMS; test: problem-docs.test.ts) -->', end: '<!-- problem-types:end -->' } as const;

/** The README's table of every problem kind: `type`, status, title — written from `PROBLEMS` alone. */
export function problemTable(): string {
  const rows = (Object.keys(PROBLEMS) as ProblemKind[]).map((kind) => `| \`${problemType(kind)}\` | ${PROBLEMS[kind].status} | ${PROBLEMS[kind].title} |`);
  return ['| `type` | status | title |', '|---|---|---|', ...rows].join('\n');
}
