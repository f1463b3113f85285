import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import type { MintedApiKey } from '../auth/api-keys.service';
import type { ApiKey } from './api-key.entity';

/** Body of `POST /api/v2/tenant/api-keys`. */
export class CreateApiKeyRequest {
  @ApiProperty({ description: 'What the key is for (shown in the listing).', example: 'billing backend', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @Matches(/^\S(.*\S)?$/, { message: 'label must not start or end with whitespace' })
  label!: string;
}

/** An API key of the calling tenant, as listed: never its secret. */
export class ApiKeyView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: 'The public part of the key (`kinko_<prefix>_…`).', example: '3f9a0c1d2b4e5f60' })
  prefix!: string;

  @ApiProperty({ example: 'billing backend' })
  label!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Last request the key authenticated, to the minute; null if never used.' })
  lastUsedAt!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When the key was revoked; null while it works.' })
  revokedAt!: string | null;

  static of(k: ApiKey): ApiKeyView {
    return {
      id: k.id,
      prefix: k.prefix,
      label: k.label,
      createdAt: k.createdAt.toISOString(),
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      revokedAt: k.revokedAt?.toISOString() ?? null,
    };
  }
}

/** The API keys of the calling tenant. */
export class ApiKeyList {
  @ApiProperty({ type: [ApiKeyView] })
  items!: ApiKeyView[];
}

/** A newly created key: the only answer that ever carries the whole key. */
export class CreatedApiKeyView extends ApiKeyView {
  @ApiProperty({ description: 'The whole key: shown only now (Kinko keeps its hash).', example: 'kinko_3f9a0c1d2b4e5f60_…' })
  apiKey!: string;

  static ofMinted(k: ApiKey, minted: MintedApiKey): CreatedApiKeyView {
    return { ...ApiKeyView.of(k), apiKey: minted.apiKey };
  }
}
