import { type PipeTransform } from '@nestjs/common';
import { NotFoundError } from '../common/errors';
import { isUuid } from '../database/ids';

/**
 * Path ids are UUIDs; anything else cannot name a resource, so it answers 404 like an id
 * of another tenant would (and never reaches the database as a malformed uuid).
 */
export class IdPipe implements PipeTransform<string, string> {
  constructor(private readonly resource: string) {}

  transform(value: string): string {
    if (typeof value !== 'string' || !isUuid(value)) throw new NotFoundError(this.resource);
    return value.toLowerCase();
  }
}
