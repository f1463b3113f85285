import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';

/** Where a webhook may be sent (the operator's settings). */
export interface UrlPolicy {
  readonly requireHttps: boolean;
  readonly allowPrivateNetworks: boolean;
}

/** Why a URL or an address is refused (said to the tenant as is: no secret in it). */
export class WebhookUrlRefused extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'WebhookUrlRefused';
  }
}

// Loopback, private (RFC 1918, unique local), link-local (cloud metadata), CGNAT, "this
// network", multicast, reserved and documentation ranges: nothing a tenant's public endpoint uses.
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
] as const) NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

const V4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** Whether an address is loopback, private, link-local or otherwise not public. */
export function isNonPublicAddress(address: string): boolean {
  const mapped = V4_MAPPED.exec(address);
  if (mapped) return NON_PUBLIC.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Refuses an address the policy does not allow. */
export function checkAddress(address: string, policy: UrlPolicy): void {
  if (!policy.allowPrivateNetworks && isNonPublicAddress(address)) throw new WebhookUrlRefused(`resolves to ${address}, a loopback, private or link-local address (not allowed by this server)`);
}

const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** The URL's form: http(s) (https only when required), no credentials, no fragment. Returns the parsed URL. */
export function checkUrlForm(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlRefused('is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookUrlRefused('must be an https:// URL');
  if (policy.requireHttps && url.protocol !== 'https:') throw new WebhookUrlRefused('must be an https:// URL (this server runs in production)');
  if (url.username !== '' || url.password !== '') throw new WebhookUrlRefused('must not carry credentials');
  if (url.hash !== '') throw new WebhookUrlRefused('must not have a fragment');
  if (url.hostname === '') throw new WebhookUrlRefused('has no host');
  return url;
}

/** Resolves the URL's host and checks every answer (registration, and again before each delivery). */
export async function resolveChecked(url: URL, policy: UrlPolicy): Promise<LookupAddress[]> {
  const host = hostOf(url);
  let answers: LookupAddress[];
  if (isIP(host) !== 0) answers = [{ address: host, family: isIP(host) }];
  else {
    try {
      answers = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new WebhookUrlRefused(`host ${host} does not resolve`);
    }
  }
  if (answers.length === 0) throw new WebhookUrlRefused(`host ${host} does not resolve`);
  for (const a of answers) checkAddress(a.address, policy);
  return answers;
}

/** The whole check of a URL a tenant registers. */
export async function checkWebhookUrl(raw: string, policy: UrlPolicy): Promise<URL> {
  const url = checkUrlForm(raw, policy);
  await resolveChecked(url, policy);
  return url;
}
