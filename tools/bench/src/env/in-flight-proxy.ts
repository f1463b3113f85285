import * as http from 'node:http';

/**
 * A loopback HTTP proxy in front of a bank that counts the requests in flight through it:
 * from the moment a request arrives to the moment its answer has been sent back. A client's
 * slot (the app's limiter) is held from before its request leaves to after its answer is
 * read, so the most in flight here is a lower bound of what the client held at once — and
 * an upper bound of what the bank saw (the bank answers inside this window).
 */
interface Counter {
  inFlight: number;
  peak: number;
  count: number;
}

export class InFlightProxy {
  private constructor(
    private readonly counter: Counter,
    private readonly server: http.Server,
    private readonly agent: http.Agent,
    /** The proxy's base URL (give it to the client instead of the bank's). */
    readonly url: string,
  ) {}

  /** Starts a proxy to `target` (an http:// base URL) on 127.0.0.1, a port the OS picks. */
  static async start(target: string): Promise<InFlightProxy> {
    const upstream = new URL(target);
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    const counter: Counter = { inFlight: 0, peak: 0, count: 0 };
    const server = http.createServer((req, res) => {
      counter.count += 1;
      counter.inFlight += 1;
      counter.peak = Math.max(counter.peak, counter.inFlight);
      let left = false;
      const leave = (): void => {
        if (left) return;
        left = true;
        counter.inFlight -= 1;
      };
      res.once('close', leave);
      const headers = { ...req.headers, host: upstream.host };
      const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.once('error', () => res.destroy());
      req.pipe(out);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return new InFlightProxy(counter, server, agent, `http://127.0.0.1:${port}${upstream.pathname === '/' ? '' : upstream.pathname}`);
  }

  /** The most requests in flight at once since the last {@link reset}, and how many went through. */
  stats(): { readonly peak: number; readonly requests: number } {
    return { peak: this.counter.peak, requests: this.counter.count };
  }

  /** Forgets the peak and the count (requests in flight stay counted). */
  reset(): void {
    this.counter.peak = this.counter.inFlight;
    this.counter.count = 0;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
