import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import type { Locale } from '@kinko/connector-sdk';
import { LANGUAGES } from '../http/language';
import { MAX_RETURN_STATE_LENGTH } from '../tenants/link-settings';
import type { ConnectResult, ConnectStart } from './connect.service';

/** How a completed redirect flow ended: a new connection, or an existing one reconnected. */
export const CONNECT_RESULTS = ['connected', 'reconnected'] as const;

/** Starting a redirect connect flow. */
export class ConnectRequest {
  @ApiPropertyOptional({ format: 'uuid', description: 'Re-authorise this connection of the user at the bank (after its consent expired or was withdrawn) instead of creating a new one.' })
  @IsOptional()
  @IsUUID()
  connectionId?: string;

  @ApiPropertyOptional({ enum: LANGUAGES, description: 'Language of the bank login page, when the bank offers it.' })
  @IsOptional()
  @IsIn(LANGUAGES)
  locale?: Locale;

  @ApiPropertyOptional({
    example: 'https://app.example.com/kinko/done',
    description:
      'Where the bank callback sends the user\'s browser at the end (connected, or failed: declined at the bank, refused, expired), with `status` (`connected` | `failed`), `connectionId` and `state` ' +
      'as query parameters, instead of Kinko\'s Link vault. Must be exactly one of the tenant\'s registered return URLs (PUT /api/v2/tenant/link-settings `returnUrls`), else 400 and nothing is started.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  redirectUri?: string;

  @ApiPropertyOptional({ maxLength: MAX_RETURN_STATE_LENGTH, description: 'Handed back unchanged in the `state` query parameter of `redirectUri` (only with `redirectUri`).' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_RETURN_STATE_LENGTH)
  state?: string;
}

/** Where to send the user to log in at the bank. */
export class ConnectStartView {
  @ApiProperty({ format: 'uuid' })
  connectFlowId!: string;

  @ApiProperty({
    example: 'https://kinko.example/api/v2/connect/flows/0190…/browser?key=…',
    description: "Send the user's browser there (once): Kinko binds that browser to the flow and sends it on to the bank's login page. Only that browser can complete the flow.",
  })
  redirectUrl!: string;

  @ApiProperty({ format: 'date-time', description: 'The bank must send the user back before this instant.' })
  expiresAt!: string;

  static of(s: ConnectStart): ConnectStartView {
    return { connectFlowId: s.connectFlowId, redirectUrl: s.redirectUrl, expiresAt: s.expiresAt.toISOString() };
  }
}

/** The bank sent the user back and granted access. */
export class ConnectResultView {
  @ApiProperty({ enum: [...CONNECT_RESULTS] })
  status!: (typeof CONNECT_RESULTS)[number];

  @ApiProperty({ format: 'uuid' })
  connectFlowId!: string;

  @ApiProperty({ format: 'uuid' })
  connectionId!: string;

  @ApiProperty({ format: 'uuid' })
  consentId!: string;

  @ApiProperty({ example: 'bca-0001' })
  bankId!: string;

  @ApiProperty({ type: [String], description: 'The first sync (history as far back as the consent allows): poll GET /api/v2/bank/session/{sessionId}/status.' })
  sessionIds!: string[];

  static of(r: ConnectResult): ConnectResultView {
    return {
      status: r.reconnected ? 'reconnected' : 'connected',
      connectFlowId: r.connectFlowId,
      connectionId: r.connectionId,
      consentId: r.consentId,
      bankId: r.bankId,
      sessionIds: [...r.sessionIds],
    };
  }
}
