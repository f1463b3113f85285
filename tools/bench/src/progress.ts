/** Where progress lines go (the CLI: stdout; tests: a buffer). */
export type ProgressSink = (line: string) => void;

/**
 * Progress while the bench runs: one line per step, prefixed with the time since the start
 * and the scenario, e.g. `[  12.3s] ingest · run 1/3: write path 20,000 rows in 4.1 s`.
 */
export class Progress {
  constructor(
    private readonly sink: ProgressSink,
    private readonly scope = '',
    private readonly started = Date.now(),
  ) {}

  /** A progress printer for one scenario (same clock). */
  forScope(scope: string): Progress {
    return new Progress(this.sink, scope, this.started);
  }

  /** Prints one line. */
  step(message: string): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1).padStart(7);
    this.sink(`[${seconds}s] ${this.scope ? `${this.scope} · ` : ''}${message}`);
  }
}

/** 12345.6 → "12,346" (grouped, no decimals). */
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
/** A duration in ms → "4.12 s" or "850 ms". */
export const duration = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
