import { Injectable } from '@nestjs/common';

interface Series {
  count: number;
  seconds: number;
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * Minimal Prometheus metrics kept in memory: HTTP requests by route template (never the
 * raw URL, so ids do not explode the label set), method and status, with their durations.
 */
@Injectable()
export class MetricsService {
  private readonly requests = new Map<string, Series>();
  private readonly startedAt = Date.now();

  /** Records one finished request. `route` is the route template, e.g. `/api/v2/connections/:connectionId`. */
  observe(method: string, route: string, status: number, seconds: number): void {
    const key = JSON.stringify([method, route, String(status)]);
    const series = this.requests.get(key) ?? { count: 0, seconds: 0 };
    series.count += 1;
    series.seconds += seconds;
    this.requests.set(key, series);
  }

  /** The Prometheus text exposition (format 0.0.4). */
  render(): string {
    const lines: string[] = [
      '# HELP kinko_http_requests_total HTTP requests answered, by method, route template and status.',
      '# TYPE kinko_http_requests_total counter',
    ];
    const durations: string[] = [
      '# HELP kinko_http_request_duration_seconds Time spent answering HTTP requests.',
      '# TYPE kinko_http_request_duration_seconds summary',
    ];
    for (const [key, series] of [...this.requests.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const [method, route, status] = JSON.parse(key) as [string, string, string];
      const labels = `method="${escapeLabel(method)}",route="${escapeLabel(route)}",status="${status}"`;
      lines.push(`kinko_http_requests_total{${labels}} ${series.count}`);
      durations.push(`kinko_http_request_duration_seconds_sum{${labels}} ${series.seconds.toFixed(6)}`);
      durations.push(`kinko_http_request_duration_seconds_count{${labels}} ${series.count}`);
    }
    const memory = process.memoryUsage();
    return [
      ...lines,
      ...durations,
      '# HELP kinko_process_uptime_seconds Seconds since this instance started.',
      '# TYPE kinko_process_uptime_seconds gauge',
      `kinko_process_uptime_seconds ${((Date.now() - this.startedAt) / 1000).toFixed(3)}`,
      '# HELP kinko_process_resident_memory_bytes Resident set size.',
      '# TYPE kinko_process_resident_memory_bytes gauge',
      `kinko_process_resident_memory_bytes ${memory.rss}`,
      '# HELP kinko_process_heap_used_bytes V8 heap in use.',
      '# TYPE kinko_process_heap_used_bytes gauge',
      `kinko_process_heap_used_bytes ${memory.heapUsed}`,
      '',
    ].join('\n');
  }
}
