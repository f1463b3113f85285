import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import type { Language } from '@kinko/domain';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { LANGUAGES } from '../http/language';
import type { User } from './user.entity';

/** Body of `POST /api/v2/tenant/users`. */
export class CreateUserRequest {
  @ApiProperty({ description: "The tenant's own id for the user (unique per tenant).", example: 'customer-42', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @Matches(/^\S(.*\S)?$/, { message: 'externalId must not start or end with whitespace' })
  externalId!: string;

  @ApiPropertyOptional({ enum: LANGUAGES, description: "The user's language for labels in events (connection.status_changed's `label`); the Link pages remember the user's own pick. Default: none (labels in Japanese)." })
  @IsOptional()
  @IsIn(LANGUAGES)
  language?: Language;
}

/** Body of `PATCH /api/v2/tenant/users/{userId}`. */
export class UpdateUserRequest {
  @ApiProperty({ enum: LANGUAGES, nullable: true, type: String, description: "The user's language for labels in events; null forgets it (labels in Japanese)." })
  @ValidateIf((_o, v) => v !== null)
  @IsIn(LANGUAGES)
  language!: Language | null;
}

/** A user of the calling tenant. */
export class UserView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'customer-42' })
  externalId!: string;

  @ApiProperty({ enum: LANGUAGES, nullable: true, type: String, description: "The user's language (set by the tenant or picked on the Link pages); null: not known." })
  language!: Language | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static of(u: User): UserView {
    return { id: u.id, externalId: u.externalId, language: u.language, createdAt: u.createdAt.toISOString() };
  }
}

/** Query of `GET /api/v2/tenant/users` (keyset pagination, oldest first). */
export class ListUsersQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  after?: string;
}

/** One page of users. */
export class UserPage {
  @ApiProperty({ type: [UserView] })
  items!: UserView[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `after` for the next page; null on the last page.' })
  nextCursor!: string | null;
}

/** Body of `POST /api/v2/tenant/users/{userId}/tokens`. */
export class MintUserTokenRequest {
  @ApiPropertyOptional({ description: 'Lifetime in seconds (default: KINKO_USER_TOKEN_TTL_SECONDS, 15 minutes).', minimum: 60, maximum: 86400, example: 900 })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(86_400)
  ttlSeconds?: number;
}

/** A short-lived user token, for the client app or the Link page. */
export class UserTokenView {
  @ApiProperty({ description: 'Send as `Authorization: Bearer <token>` on the user API.' })
  token!: string;

  @ApiProperty({ example: 'Bearer' })
  tokenType!: 'Bearer';

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;
}
