import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Length, ValidateIf } from 'class-validator';
import { type LinkSettings, MAX_RETURN_URLS } from './link-settings';
import type { Tenant } from './tenant.entity';

/** The calling tenant. */
export class TenantView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Acme Budgeting' })
  name!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static of(t: Tenant): TenantView {
    return { id: t.id, name: t.name, createdAt: t.createdAt.toISOString() };
  }
}

/** Body of `PUT /api/v2/tenant/link-settings`: each field given replaces the stored one; `null` clears it. */
export class UpdateLinkSettingsRequest {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100, description: 'The name the Link pages show ("<displayName> uses Kinko to connect to <bank>"); the tenant name when null.' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @Length(1, 100)
  displayName?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2048, description: 'An https:// URL of the logo (the Link pages allow exactly its origin in their img-src).' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @Length(1, 2048)
  logoUrl?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, pattern: '^#[0-9a-fA-F]{6}$', example: '#0b7a5a', description: 'The accent colour of buttons and the header rule.' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @Length(7, 7)
  accentColor?: string | null;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_RETURN_URLS,
    description:
      'The exact URLs a Link flow may send the browser back to (`redirectUri` of /link/connect). https:// — http:// only to 127.0.0.1 or localhost, outside production; no credentials, no fragment.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_RETURN_URLS)
  @IsString({ each: true })
  @Length(1, 2048, { each: true })
  returnUrls?: string[];
}

/** The tenant's Link pages settings. */
export class LinkSettingsView {
  @ApiProperty({ example: 'Acme Budgeting' })
  displayName!: string;

  @ApiProperty({ type: String, nullable: true })
  logoUrl!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '#0b7a5a' })
  accentColor!: string | null;

  @ApiProperty({ type: [String] })
  returnUrls!: string[];

  static of(s: LinkSettings): LinkSettingsView {
    return { displayName: s.displayName, logoUrl: s.logoUrl, accentColor: s.accentColor, returnUrls: [...s.returnUrls] };
  }
}
