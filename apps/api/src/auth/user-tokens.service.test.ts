import { describe, expect, it } from '@jest/globals';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { UnauthorizedError } from '../common/errors';
import { loadSettings } from '../config/settings';
import { MasterKeyring } from '../secrets/master-keyring';
import { UserTokensService } from './user-tokens.service';

const settings = loadSettings({ KINKO_MODE: 'test', KINKO_MASTER_KEY: Buffer.alloc(32, 5).toString('base64') });
const k1 = { id: 'k1', key: Buffer.alloc(32, 1) };
const k2 = { id: 'k2', key: Buffer.alloc(32, 2) };
const scope = { tenantId: '01a1fe9a-0000-7000-8000-0000000000aa', userId: '01a1fe9a-0000-7000-8000-0000000000bb' };

describe('UserTokensService', () => {
  it('mints a signed token carrying tenant and user, valid 15 minutes by default', async () => {
    const tokens = new UserTokensService(new MasterKeyring(k1), settings);
    const now = new Date('2026-11-21T10:00:00Z');
    const minted = await tokens.mint(scope, undefined, now);
    expect(minted.expiresAt.toISOString()).toBe('2026-11-21T10:15:00.000Z');
    expect(decodeProtectedHeader(minted.token)).toMatchObject({ alg: 'HS256', kid: 'k1' });
    expect(decodeJwt(minted.token)).toMatchObject({ sub: scope.userId, tid: scope.tenantId, iss: 'kinko', aud: 'kinko:user' });
    expect(await tokens.verify(minted.token, new Date('2026-11-21T10:14:59Z'))).toMatchObject(scope);
  });

  it('rejects expired, altered and foreign tokens', async () => {
    const tokens = new UserTokensService(new MasterKeyring(k1), settings);
    const now = new Date('2026-11-21T10:00:00Z');
    const { token } = await tokens.mint(scope, 60, now);
    await expect(tokens.verify(token, new Date('2026-11-21T10:01:01Z'))).rejects.toBeInstanceOf(UnauthorizedError);
    const [h, p, s] = token.split('.') as [string, string, string];
    const otherUser = Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'someone-else' })).toString('base64url');
    await expect(tokens.verify(`${h}.${otherUser}.${s}`, now)).rejects.toBeInstanceOf(UnauthorizedError);
    const foreign = await new UserTokensService(new MasterKeyring({ id: 'k1', key: Buffer.alloc(32, 9) }), settings).mint(scope, 60, now);
    await expect(tokens.verify(foreign.token, now)).rejects.toBeInstanceOf(UnauthorizedError);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'k1' })).toString('base64url')}.${p}.`;
    await expect(tokens.verify(unsigned, now)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses a token it verified before once the token has expired, and any altered copy of it', async () => {
    const tokens = new UserTokensService(new MasterKeyring(k1), settings);
    const now = new Date('2026-11-21T10:00:00Z');
    const { token } = await tokens.mint(scope, 60, now);
    expect(await tokens.verify(token, now)).toMatchObject(scope);
    expect(await tokens.verify(token, new Date('2026-11-21T10:00:59.999Z'))).toMatchObject(scope);
    await expect(tokens.verify(token, new Date('2026-11-21T10:01:00Z'))).rejects.toBeInstanceOf(UnauthorizedError);
    const [h, p] = token.split('.') as [string, string, string];
    await expect(tokens.verify(`${h}.${p}.${Buffer.alloc(32, 7).toString('base64url')}`, now)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(tokens.verify(`${token}x`, now)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('keeps verifying tokens signed with a master key being rotated out', async () => {
    const now = new Date();
    const before = await new UserTokensService(new MasterKeyring(k1), settings).mint(scope, 300, now);
    const during = new UserTokensService(new MasterKeyring(k2, [k1]), settings);
    expect(await during.verify(before.token, now)).toMatchObject(scope);
    expect(decodeProtectedHeader((await during.mint(scope, 300, now)).token).kid).toBe('k2');
    await expect(new UserTokensService(new MasterKeyring(k2), settings).verify(before.token, now)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
