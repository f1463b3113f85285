/** The allowed-host entry of a config's baseUrl, for the app to pass as `extraAllowedHosts`. */
export function allowedHostsFor(baseUrl: string): string[] {
  const url = new URL(baseUrl);
  // An entry without a port allows only the default port of https (443) / http (80).
  return [url.port === '' ? url.hostname : url.host];
}
