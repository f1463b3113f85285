import { Schema } from 'effect';
import { AccountId } from '../src';

describe('ids', () => {
  it('brands a string', () => {
    const id = Schema.decodeUnknownSync(AccountId)('acc-1');
    expect(id).toBe('acc-1');
    expect(() => Schema.decodeUnknownSync(AccountId)(42)).toThrow();
  });
});
