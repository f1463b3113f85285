import type { Connector } from '@kinko/connector-sdk';
import { ApiProperty } from '@nestjs/swagger';

/** A connector's name in the three languages of the Link page. */
export class LocalizedNameView {
  @ApiProperty({ example: '銀行共通API' })
  ja!: string;

  @ApiProperty({ example: 'Bank Common API' })
  en!: string;

  @ApiProperty({ example: 'Bank Common API' })
  pl!: string;
}

/** A connector the app offers. */
export class ConnectorView {
  @ApiProperty({ example: 'bank-common-api' })
  id!: string;

  @ApiProperty({ type: LocalizedNameView })
  displayName!: LocalizedNameView;

  @ApiProperty({ example: 'JP', description: 'ISO 3166-1 alpha-2.' })
  country!: string;

  @ApiProperty({ enum: ['redirect', 'credentials'] })
  authFlow!: 'redirect' | 'credentials';

  @ApiProperty({ example: 'Asia/Tokyo' })
  timeZone!: string;

  static of(c: Connector): ConnectorView {
    const m = c.manifest;
    return { id: m.id, displayName: { ja: m.displayName.ja, en: m.displayName.en, pl: m.displayName.pl }, country: m.country, authFlow: m.authFlow, timeZone: m.timeZone };
  }
}
