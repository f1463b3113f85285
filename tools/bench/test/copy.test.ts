import { describe, expect, it } from '@jest/globals';
import { COPY_TABLE, floorReference } from '../src/env/copy';

// The floor table must be identical to `transactions`, foreign keys included (LIKE copies none).
describe('floorReference', () => {
  it('points a self-reference of transactions at the floor table', () => {
    expect(floorReference('FOREIGN KEY (user_id, account_id, linked_booked_id) REFERENCES transactions(user_id, account_id, id)')).toBe(
      `FOREIGN KEY (user_id, account_id, linked_booked_id) REFERENCES ${COPY_TABLE}(user_id, account_id, id)`,
    );
  });

  it('keeps a reference to another table as it is', () => {
    const definition = 'FOREIGN KEY (tenant_id, user_id, account_id) REFERENCES bank_accounts(tenant_id, user_id, id) ON DELETE CASCADE';
    expect(floorReference(definition)).toBe(definition);
  });

  it('does not mistake a table whose name ends in transactions for transactions', () => {
    const definition = 'FOREIGN KEY (x) REFERENCES pending_transactions(id)';
    expect(floorReference(definition)).toBe(definition);
  });
});
