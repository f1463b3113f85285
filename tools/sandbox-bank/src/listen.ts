// Where a node:http sandbox listens: its host (127.0.0.1 by default) and a port of its own.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` on `host` (127.0.0.1 by default) at a free port: its base URL and its `host:port` (an allowed-host entry). */
export async function listenOwnPort(server: Server, host = '127.0.0.1'): Promise<{ baseUrl: string; host: string }> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return { baseUrl: `http://${host}:${port}`, host: `${host}:${port}` };
}
