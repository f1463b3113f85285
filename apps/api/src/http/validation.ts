import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldIssue, ValidationFailedError } from '../common/errors';

/** Flattens class-validator's error tree into one issue per invalid field. */
export function fieldIssues(errors: readonly ValidationError[], parent = ''): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const error of errors) {
    const field = error.property ? (parent ? `${parent}.${error.property}` : error.property) : parent || '(body)';
    const reasons = Object.entries(error.constraints ?? {}).map(([key, message]) =>
      key === 'whitelistValidation' ? `${field} is not a known field` : key === 'unknownValue' ? 'a JSON object is required' : message,
    );
    if (reasons.length > 0) issues.push({ field, reason: reasons.join('; ') });
    if (error.children?.length) issues.push(...fieldIssues(error.children, field));
  }
  return issues;
}

// A missing body is validated as an empty object, so the answer names the required fields
// instead of "a JSON object is required".
class KinkoValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    return super.transform(metadata.type === 'body' && (value === undefined || value === null) ? {} : value, metadata);
  }
}

/**
 * Validation at the edge: DTOs are checked with class-validator, unknown fields are
 * rejected (not silently dropped), and failures become one `validation` problem listing
 * each field and why.
 */
export function kinkoValidationPipe(): ValidationPipe {
  return new KinkoValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedError(fieldIssues(errors)),
  });
}
