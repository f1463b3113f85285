import { describe, expect, it } from '@jest/globals';
import { berlinGroup } from '@kinko/connector-berlin-group';
import { createConnectorRegistry, type Grant } from '@kinko/connector-sdk';
import type { BankCallAudit } from './bank-call-audit';
import { ConnectorClients } from './connector-clients';
import type { SyncClock } from './sync-clock';

// Contract v2: a consent's own facts, read by the connector from the grant, feed the app.
describe('ConnectorClients: consent facts and the unattended-access budget', () => {
  const clients = new ConnectorClients(createConnectorRegistry([berlinGroup]), { databaseUrl: 'postgres://unused', connectorSetups: { 'berlin-group': { config: { baseUrl: 'https://bank.invalid', clientId: 'k' } } } }, {} as BankCallAudit, { now: () => new Date() } as SyncClock);
  const grant = (frequencyPerDay: number): Grant => {
    const g = berlinGroup.deserializeGrant(
      JSON.stringify({ consentId: 'c-1', accessToken: 'a', refreshToken: 'r', validUntil: '2027-03-06', frequencyPerDay, scaAt: '2026-12-06T16:00:00.000Z' }),
    );
    if (!g.ok) throw new Error('not a grant');
    return g.value;
  };

  it("reads validUntil, frequencyPerDay and the SCA time from the connector's grant", () => {
    expect(clients.consentFacts('berlin-group', grant(2))).toEqual({ validUntil: new Date('2027-03-07T00:00:00Z'), frequencyPerDay: 2, lastScaAt: new Date('2026-12-06T16:00:00.000Z') });
  });

  it("lowers the manifest's unattended accesses per day (4) to the consent's frequencyPerDay, never raises it", () => {
    expect(clients.unattendedAccessesPerDay('berlin-group', grant(1))).toBe(1);
    expect(clients.unattendedAccessesPerDay('berlin-group', grant(2))).toBe(2);
    expect(clients.unattendedAccessesPerDay('berlin-group', grant(10))).toBe(4);
    expect(clients.unattendedAccessesPerDay('berlin-group', undefined)).toBe(4);
  });
});
