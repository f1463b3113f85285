/**
 * A browser's part in a redirect connect flow started through the API: it opens the flow's
 * start URL (the `redirectUrl` of POST /api/v2/connect/{bankId}), which sets the flow
 * binding cookie and sends it on to the bank; back from the bank, the callback is followed
 * with that cookie (only the browser that opened the start URL can complete the flow).
 */
export interface BoundConnectBrowser {
  /** The bank's login page the start URL sent the browser to. */
  readonly bankUrl: string;
  /** The Cookie header the browser sends to the callback. */
  readonly cookie: string;
}

/** Opens an API flow's start URL as a browser would; fails when it does not send it on to the bank. */
export async function openConnectStart(redirectUrl: string): Promise<BoundConnectBrowser> {
  const res = await fetch(redirectUrl, { redirect: 'manual' });
  await res.arrayBuffer();
  const bankUrl = res.headers.get('location');
  if (res.status !== 303 || bankUrl === null) throw new Error(`the connect start URL answered ${res.status}, not a redirect to the bank`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] as string)
    .join('; ');
  return { bankUrl, cookie };
}
