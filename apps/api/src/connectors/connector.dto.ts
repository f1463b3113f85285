import { authFlows, type Connector, type ConnectorManifest } from '@kinko/connector-sdk';
import { ApiProperty } from '@nestjs/swagger';
import type { RegisteredBank } from './bank-directory';

/** A name in the three languages of the Link page. */
export class LocalizedNameView {
  @ApiProperty({ example: 'みずほ銀行' })
  ja!: string;

  @ApiProperty({ example: 'Mizuho Bank' })
  en!: string;

  @ApiProperty({ example: 'Mizuho Bank' })
  pl!: string;
}

/** What a connector (a bank) can do, as its manifest declares it. */
export class CapabilitiesView {
  @ApiProperty({ example: true })
  accounts!: boolean;

  @ApiProperty({ example: true })
  balances!: boolean;

  @ApiProperty({ type: [String], example: ['booked'], description: 'Transaction kinds reported (booked, pending, hold, scheduled, rejected, cancelled).' })
  transactions!: string[];

  @ApiProperty({ example: true })
  branches!: boolean;

  @ApiProperty({ type: [String], example: [], description: 'Challenges relayed to the user (security, otp, captcha, puzzle); empty for redirect flows.' })
  challenges!: string[];

  @ApiProperty({ example: 730, description: 'Longest history after strong customer authentication, in days.' })
  maxHistoryDays!: number;

  @ApiProperty({ example: 90, description: 'Longest history without the user present, in days.' })
  unattendedHistoryDays!: number;

  static of(m: ConnectorManifest): CapabilitiesView {
    const c = m.capabilities;
    return {
      accounts: c.accounts,
      balances: c.balances,
      transactions: [...c.transactions],
      branches: c.branches,
      challenges: [...c.challenges],
      maxHistoryDays: m.limits.maxHistoryDays,
      unattendedHistoryDays: m.limits.unattendedHistoryDays,
    };
  }
}

/** A connector the app offers (one per bank for standards like the 銀行共通API). */
export class ConnectorView {
  @ApiProperty({ example: 'bca-0001' })
  id!: string;

  @ApiProperty({ type: LocalizedNameView })
  displayName!: LocalizedNameView;

  @ApiProperty({ example: 'JP', description: 'ISO 3166-1 alpha-2.' })
  country!: string;

  @ApiProperty({ enum: [...authFlows] })
  authFlow!: 'redirect' | 'credentials';

  @ApiProperty({ example: 'Asia/Tokyo' })
  timeZone!: string;

  @ApiProperty({ type: CapabilitiesView, nullable: true })
  capabilities!: CapabilitiesView | null;

  static of(c: Connector): ConnectorView {
    const m = c.manifest;
    return {
      id: m.id,
      displayName: { ja: m.displayName.ja, en: m.displayName.en, pl: m.displayName.pl },
      country: m.country,
      authFlow: m.authFlow,
      timeZone: m.timeZone,
      // A manifest always has them; a bare test connector may not.
      capabilities: m.capabilities && m.limits ? CapabilitiesView.of(m) : null,
    };
  }
}

/** A bank the user can connect: its id, names, country, how the user authorises, what it provides. */
export class BankView extends ConnectorView {
  @ApiProperty({ example: 'bca-0001', description: 'The id of `POST /api/v2/connect/{bankId}` and `POST /api/v2/bank/{bankId}/sync`.' })
  bankId!: string;

  @ApiProperty({ example: 'bca-0001', description: 'The connector that speaks to the bank.' })
  connectorId!: string;

  @ApiProperty({ type: String, nullable: true, example: '0001', description: 'The 4-digit bank code (全銀協), when the bank has one.' })
  bankCode!: string | null;

  static ofBank(b: RegisteredBank): BankView {
    return { ...ConnectorView.of(b.connector), bankId: b.bankId, connectorId: b.connectorId, bankCode: b.bankCode ?? null };
  }
}
