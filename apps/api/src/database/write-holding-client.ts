import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Client, type ClientBase, type ClientConfig } from 'pg';

/**
 * pg's Client on a socket the app makes and keeps, passed through pg's `stream` option (a
 * factory: pg connects the socket it returns, and wraps it in TLS itself when asked), so a
 * transaction can hold its connection's writes for a moment and send several statements'
 * messages in one write: {@link holdWritesThisTurn}. The app's pool makes its clients with it
 * (measured-pool.ts); a `stream` factory in the config (a test's) gives the socket instead.
 */
export class WriteHoldingClient extends Client {
  private readonly socket: Duplex;

  constructor(config: ClientConfig = {}) {
    const socket = config.stream?.() ?? new Socket();
    super({ ...config, stream: () => socket });
    this.socket = socket;
  }

  /**
   * Holds this connection's writes until the work the current turn of the event loop has queued
   * (promise continuations included) has run, then sends them in one write. Nothing waits for
   * an answer meanwhile: whatever is written later goes out as before.
   */
  holdWritesThisTurn(): void {
    this.socket.cork();
    // A tick queued now runs once the microtask queue is drained: after every continuation the
    // current work can reach without waiting for I/O.
    process.nextTick(() => this.socket.uncork());
  }
}

/**
 * Holds `client`'s writes for this turn ({@link WriteHoldingClient.holdWritesThisTurn}) when it
 * can; a client of another kind writes as it always does.
 */
export function holdWritesThisTurn(client: ClientBase): void {
  if (client instanceof WriteHoldingClient) client.holdWritesThisTurn();
}
