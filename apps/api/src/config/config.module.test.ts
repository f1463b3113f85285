import { describe, expect, it } from '@jest/globals';
import { createApp } from '../app';
import { InvalidSettingsError } from './settings';

describe('configuration at start-up', () => {
  it('stops the app from starting, naming the bad setting', async () => {
    // The database is never reached: validation runs first.
    const start = createApp({ settings: { env: { KINKO_MODE: 'test', PORT: 'abc', KINKO_MASTER_KEY: 'too-short' } }, databaseUrl: 'postgres://nobody@127.0.0.1:1/none', logger: false });
    await expect(start).rejects.toBeInstanceOf(InvalidSettingsError);
    await expect(start).rejects.toThrow(/PORT: must be a whole number[\s\S]*KINKO_MASTER_KEY: must be 32 bytes/);
  });
});
