import { describe, expect, it } from '@jest/globals';
import { backoffDelay, createRequestLimiter, isHostPattern, isIdempotentMethod, isUrlAllowed, parseRetryAfter, type Clock } from '../src';
import { startsPerWindow } from '../src/http/limiter';

describe('allowed hosts', () => {
  const hosts = ['api.bank.example', '*.sandbox.bank.example', '127.0.0.1:8443', 'auth.bank.example:8443'];
  it.each([
    ['https://api.bank.example/accounts', true],
    ['https://API.Bank.Example/accounts', true],
    ['https://api.bank.example:443/x', true],
    ['https://api.bank.example:8443/x', false], // an entry without port allows the default port only
    ['http://api.bank.example/x', false], // plain http only on loopback
    ['https://evil.example/x', false],
    ['https://api.bank.example.evil.example/x', false],
    ['https://evilapi.bank.example/x', false],
    ['https://a.sandbox.bank.example/x', true],
    ['https://sandbox.bank.example/x', false], // the wildcard needs a label
    ['http://127.0.0.1:8443/x', true],
    ['http://127.0.0.1:8444/x', false],
    ['https://auth.bank.example:8443/x', true],
    ['https://user:pw@api.bank.example/x', false], // credentials in URLs are refused
    ['ftp://api.bank.example/x', false],
  ])('%s → %s', (url, allowed) => {
    expect(isUrlAllowed(new URL(url), hosts)).toBe(allowed);
  });

  it('accepts host entries and rejects URLs and paths', () => {
    for (const ok of ['bank.example', '*.bank.example', 'bank.example:443', '127.0.0.1:1', '[::1]:8080']) expect(isHostPattern(ok)).toBe(true);
    for (const bad of ['https://bank.example', 'bank.example/path', '*', 'bank.example:0', 'bank.example:99999', '']) expect(isHostPattern(bad)).toBe(false);
  });
});

describe('Retry-After', () => {
  const now = new Date('2024-05-01T00:00:00Z');
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });
  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Wed, 01 May 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 30 Apr 2024 23:00:00 GMT', now)).toBe(0);
  });
  it('ignores anything else', () => {
    for (const v of [undefined, '', '-5', '1.5', 'soon', '2024-05-01T00:00:30Z']) expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});

describe('backoff', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
  it('draws from [0, min(cap, base·2ⁿ⁻¹)) (full jitter)', () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(0);
    expect(backoffDelay(policy, 1, () => 0.999)).toBe(99);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(200);
    expect(backoffDelay(policy, 10, () => 0.999)).toBe(999);
  });
  it('treats only RFC 9110 idempotent methods as safe to repeat', () => {
    expect(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'].every(isIdempotentMethod)).toBe(true);
    expect(['POST', 'PATCH'].some(isIdempotentMethod)).toBe(false);
  });
});

describe('the request limiter', () => {
  it('never runs more than maxConcurrency at once', async () => {
    const limiter = createRequestLimiter({ maxConcurrency: 3, requestsPerSecond: 10_000 });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const release = await limiter.acquire();
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running -= 1;
        release();
      }),
    );
    expect(peak).toBe(3);
  });

  /** A fake clock whose sleeps move time forward and are recorded. */
  function advancingClock(): Clock & { sleeps: number[]; at(ms: number): void; time(): number } {
    let t = 0;
    const sleeps: number[] = [];
    return {
      sleeps,
      at: (ms) => void (t = ms),
      time: () => t,
      now: () => new Date(t),
      sleep: async (ms) => {
        sleeps.push(ms);
        t += ms;
      },
    };
  }

  it('spaces request starts by 1/requestsPerSecond', async () => {
    const clock = advancingClock();
    const limiter = createRequestLimiter({ maxConcurrency: 100, requestsPerSecond: 4, clock });
    await Promise.all(Array.from({ length: 5 }, async () => (await limiter.acquire())()));
    // The first starts at once; each next one waits a full interval after the previous start.
    expect(clock.sleeps).toEqual([250, 250, 250, 250]);
    expect(clock.time()).toBe(1_000);
  });

  it('measures from the previous actual start, so a stall does not bunch the next starts', async () => {
    const clock = advancingClock();
    const limiter = createRequestLimiter({ maxConcurrency: 100, requestsPerSecond: 4, clock });
    (await limiter.acquire())();
    clock.at(1_000); // the process stalled for a second
    await Promise.all(Array.from({ length: 3 }, async () => (await limiter.acquire())()));
    expect(clock.sleeps).toEqual([250, 250]);
    expect(clock.time()).toBe(1_500);
  });

  it('lets a fast bank\'s starts pass a window at a time: 10 per 20 ms at 500 per second, a timer per window, not per start', async () => {
    expect([startsPerWindow(4), startsPerWindow(50), startsPerWindow(99), startsPerWindow(100), startsPerWindow(500)]).toEqual([1, 1, 1, 2, 10]);
    const clock = advancingClock();
    const limiter = createRequestLimiter({ maxConcurrency: 100, requestsPerSecond: 500, clock });
    await Promise.all(Array.from({ length: 25 }, async () => (await limiter.acquire())()));
    // Starts 1-10 at 0, 11-20 at 20 ms (the 1st is a window old), 21-25 at 40 ms.
    expect(clock.sleeps).toEqual([20, 20]);
    expect(clock.time()).toBe(40);
  });

  it('never starts more than requestsPerSecond in any one-second window, whatever the rate, and a stall releases one window\'s starts at most', async () => {
    for (const rps of [4, 100, 130, 500, 777]) {
      const clock = advancingClock();
      const limiter = createRequestLimiter({ maxConcurrency: 10_000, requestsPerSecond: rps, clock });
      const at: number[] = [];
      // One after another: the clock's time (whole ms, as the limiter reads it) when each acquisition returns is its start.
      const starts = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i += 1) {
          (await limiter.acquire())();
          at.push(clock.now().getTime());
        }
      };
      await starts(3 * rps);
      clock.at(clock.time() + 5_000); // the process stalled
      await starts(rps);
      for (let i = 0; i < at.length; i += 1) {
        const within = at.filter((t) => t >= (at[i] as number) && t < (at[i] as number) + 1_000).length;
        expect([rps, i, within <= rps]).toEqual([rps, i, true]);
      }
      // After the stall, the first instant lets one window's starts through.
      const afterStall = at.slice(3 * rps);
      expect(afterStall.filter((t) => t === afterStall[0]).length).toBe(startsPerWindow(rps));
      // And the rate is used: 3 × rps starts take at most 3 s (and a ms per start of the clock's rounding).
      expect(at[3 * rps - 1]).toBeLessThanOrEqual(3_000 + (3 * rps) / startsPerWindow(rps));
    }
  });

  it('keeps the spacing on the real clock', async () => {
    const limiter = createRequestLimiter({ maxConcurrency: 10, requestsPerSecond: 50 });
    const starts = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const release = await limiter.acquire();
        release();
        return performance.now();
      }),
    );
    for (let i = 1; i < starts.length; i += 1) expect((starts[i] as number) - (starts[i - 1] as number)).toBeGreaterThanOrEqual(18);
  });

  it('is released only once per acquisition', async () => {
    const limiter = createRequestLimiter({ maxConcurrency: 1, requestsPerSecond: 10_000 });
    const release = await limiter.acquire();
    release();
    release(); // a double release must not open a second slot
    const a = await limiter.acquire();
    let second = false;
    const b = limiter.acquire().then((r) => ((second = true), r));
    await new Promise((r) => setTimeout(r, 10));
    expect(second).toBe(false);
    a();
    (await b)();
  });
});
