// The sandbox's OAuth 2.0 endpoints take what a real one takes: application/x-www-form-urlencoded
// (RFC 6749 §4.1.3, §6; RFC 7009 §2.1), never JSON — so the conformance kit, which logs in,
// refreshes and revokes through the connector, proves the connector sends form bodies.
import { startSandboxBank, type SandboxBank } from './sandbox/bank';

const client = { client_id: 'kinko', client_secret: 'sandbox-client-secret' };
let bank: SandboxBank;

beforeAll(async () => {
  bank = await startSandboxBank({ users: [], clientId: client.client_id, clientSecret: client.client_secret });
});
afterAll(() => bank.close());

const post = (path: string, type: string, body: string) => fetch(`${bank.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

describe('the sandbox token and revocation endpoints', () => {
  it.each(['/token', '/revoke'])('%s refuses a JSON body with 400 invalid_request', async (path) => {
    const res = await post(path, 'application/json', JSON.stringify({ ...client, grant_type: 'refresh_token', refresh_token: 'r' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('/token reads a form body: the client is checked, then the grant', async () => {
    const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
    const wrongClient = await post('/token', 'application/x-www-form-urlencoded', form({ ...client, client_secret: 'wrong', grant_type: 'refresh_token', refresh_token: 'r' }));
    expect([wrongClient.status, ((await wrongClient.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);
    const unknownToken = await post('/token', 'application/x-www-form-urlencoded;charset=UTF-8', form({ ...client, grant_type: 'refresh_token', refresh_token: 'r' }));
    expect([unknownToken.status, ((await unknownToken.json()) as { error: string }).error]).toEqual([401, 'invalid_grant']);
  });
});
