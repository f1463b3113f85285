import { Schema } from 'effect';
import fc from 'fast-check';
import {
  AggregationStatus as AggregationStatusSchema,
  type AggregationStatusGroup,
  type ChallengeKind,
  type KnownAggregationStatus,
  aggregationStatusGroup,
  challengeKindOf,
  describeStatus,
  groupLabels,
  invalidStatusForChallengeKind,
  isKnownAggregationStatus,
  isWaiting,
  knownAggregationStatuses,
  parseAggregationStatus,
  statusForChallengeKind,
  statusLabels,
  traitsOf,
} from '../src';

/**
 * The seed's table (seeds/aggregation-status.ja.txt, as SEEDS.md §1 lists it): status, group
 * and the screen label word for word. Transcribed here because the domain package's lint
 * rule lets its tests import nothing but effect and fast-check (no node:fs).
 */
const seedTable: ReadonlyArray<readonly [string, string, string]> = [
  ['running.auth', 'running', '接続中'],
  ['running.data', 'running', '明細をダウンロード中'],
  ['running.intelligence', 'running', '新しい取引明細を分析中'],
  ['success', 'ok', 'ただ今更新されました'],
  ['guest.intervention.required', 'needs user at bank', '直接ログインしてください'],
  ['inactive', 'inactive', '自動更新が無効になっています'],
  ['suspended.missing-answer.auth.security', 'waiting for answer', '追加情報が必要'],
  ['suspended.missing-answer.auth.otp', 'waiting for answer', 'ワンタイムパスワードが必要'],
  ['suspended.missing-answer.auth.captcha', 'waiting for answer', '画像認証が必要'],
  ['suspended.missing-answer.auth.puzzle', 'waiting for answer', 'パズル認証が必要'],
  ['auth.creds.invalid', 'auth error', '認証情報に誤りがあります'],
  ['auth.creds.security.invalid', 'auth error', '認証情報に誤りがあります'],
  ['auth.creds.otp.invalid', 'auth error', 'ワンタイムパスワードが必要'],
  ['auth.creds.captcha.invalid', 'auth error', '画像認証に誤りがあります'],
  ['auth.creds.puzzle.invalid', 'auth error', 'パズル認証に誤りがあります'],
  ['auth.creds.locked.temporary', 'auth error', 'ロックされています'],
  ['auth.creds.locked.permanent', 'auth error', 'ロックされています'],
  ['error.service.unavailable', 'error', '金融機関がメンテナンス中'],
  ['error.session', 'error', 'ログアウトしてください'],
  ['error.network', 'error', '一時的な接続エラー'],
  ['error.temporary', 'error', '一時的な接続エラー'],
  ['error.permanent', 'error', '一時的な接続エラー'],
  ['error.unsupported', 'error', '一時的な接続エラー'],
];

const kinds: readonly ChallengeKind[] = ['security', 'otp', 'captcha', 'puzzle'];
const languages = ['ja', 'en', 'pl'] as const;

describe('the 23 known statuses', () => {
  it('are exactly the statuses of the seed table, in its order', () => {
    expect(seedTable.map(([status]) => status)).toEqual(knownAggregationStatuses);
    expect(knownAggregationStatuses).toHaveLength(23);
  });

  it('carry the seed’s own Japanese labels, word for word', () => {
    for (const [status, , label] of seedTable) {
      expect(isKnownAggregationStatus(status)).toBe(true);
      if (isKnownAggregationStatus(status)) expect([status, statusLabels[status].ja]).toEqual([status, label]);
    }
  });

  it('sit in the group the seed table gives them', () => {
    const seedGroup: Record<string, AggregationStatusGroup> = {
      running: 'running',
      ok: 'ok',
      'needs user at bank': 'intervention-required',
      inactive: 'inactive',
      'waiting for answer': 'waiting',
      'auth error': 'auth-error',
      error: 'error',
    };
    for (const [status, group] of seedTable) {
      expect([status, aggregationStatusGroup(parseAggregationStatus(status))]).toEqual([status, seedGroup[group]]);
    }
  });

  it('tell the user what to do next, as the seed describes', () => {
    const action = (s: KnownAggregationStatus) => traitsOf(s).action;
    expect(knownAggregationStatuses.filter((s) => s.startsWith('running.')).map(action)).toEqual(['wait', 'wait', 'wait']);
    expect(action('success')).toBe('none');
    expect(action('guest.intervention.required')).toBe('login-at-bank');
    expect(action('inactive')).toBe('reactivate');
    expect(action('suspended.missing-answer.auth.security')).toBe('answer-challenge');
    expect(action('suspended.missing-answer.auth.otp')).toBe('answer-challenge');
    expect(action('suspended.missing-answer.auth.captcha')).toBe('answer-challenge');
    // A puzzle cannot be relayed through the API: only the link page can take the answer.
    expect(action('suspended.missing-answer.auth.puzzle')).toBe('answer-at-link-page');
    expect(action('auth.creds.invalid')).toBe('re-enter-credentials');
    expect(action('auth.creds.puzzle.invalid')).toBe('re-answer-at-link-page');
    expect(action('auth.creds.otp.invalid')).toBe('re-answer-challenge');
    expect(action('auth.creds.locked.permanent')).toBe('contact-bank-then-reenter');
    expect(action('error.session')).toBe('log-out-elsewhere');
    expect(action('error.service.unavailable')).toBe('retry-later');
  });

  it('advise on refreshing from the seed’s notes', () => {
    const advice = (s: KnownAggregationStatus) => traitsOf(s).advice;
    expect(advice('running.data')).toBe('wait');
    expect(advice('suspended.missing-answer.auth.otp')).toBe('wait');
    expect(advice('success')).toBe('refresh-works');
    expect(advice('inactive')).toBe('reactivate-first');
    expect(advice('error.service.unavailable')).toBe('refresh-later');
    expect(advice('error.network')).toBe('refresh-may-work');
    expect(advice('error.temporary')).toBe('refresh-may-work');
    expect(advice('error.permanent')).toBe('refresh-unlikely-to-help');
    expect(advice('error.unsupported')).toBe('refresh-unlikely-to-help');
    expect(advice('guest.intervention.required')).toBe('refresh-after-user-action');
    expect(advice('auth.creds.invalid')).toBe('refresh-after-user-action');
  });

  it('every known status has a non-empty label in every language (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...knownAggregationStatuses), fc.constantFrom(...languages), (status, lang) => {
        const d = describeStatus(status, lang);
        expect(d.label.trim().length).toBeGreaterThan(0);
        expect(d.label).toBe(statusLabels[status][lang]);
        expect(d.group).toBe(aggregationStatusGroup(status));
      }),
      { numRuns: 1000 },
    );
  });

  it('English and Polish labels differ from the Japanese ones', () => {
    for (const status of knownAggregationStatuses) {
      const l = statusLabels[status];
      expect(new Set([l.ja, l.en, l.pl]).size).toBe(3);
    }
  });
});

describe('parsing statuses', () => {
  it('turns a known value into that member', () => {
    for (const status of knownAggregationStatuses) {
      expect(parseAggregationStatus(status)).toBe(status);
      expect(isKnownAggregationStatus(parseAggregationStatus(status))).toBe(true);
    }
  });

  it.each([
    ['suspended.missing-answer.auth.face-id', 'waiting'],
    ['suspended.anything', 'waiting'],
    ['auth.creds.expired', 'auth-error'],
    ['auth.token.revoked', 'auth-error'],
    ['error.rate-limited', 'error'],
    ['running.categorisation', 'running'],
    ['successful', 'unknown'],
    ['Suspended.missing-answer', 'unknown'],
    ['suspended', 'unknown'],
    ['', 'unknown'],
    ['guest.new-thing', 'unknown'],
  ] as const)('keeps unknown "%s" verbatim in group %s', (raw, group) => {
    const status = parseAggregationStatus(raw);
    expect(status).toBe(raw);
    expect(isKnownAggregationStatus(status)).toBe(false);
    expect(aggregationStatusGroup(status)).toBe(group);
  });

  it('gives unknown values their group’s generic traits and labels', () => {
    const waiting = describeStatus(parseAggregationStatus('suspended.missing-answer.auth.face-id'), 'ja');
    expect(waiting).toMatchObject({ group: 'waiting', action: 'answer-at-link-page', advice: 'wait' });
    expect(waiting.label).toBe(groupLabels.waiting.ja);
    const authError = describeStatus(parseAggregationStatus('auth.token.revoked'), 'en');
    expect(authError).toMatchObject({ group: 'auth-error', action: 're-enter-credentials', label: 'Your login details are incorrect' });
    const error = describeStatus(parseAggregationStatus('error.rate-limited'), 'pl');
    expect(error).toMatchObject({ group: 'error', label: 'Tymczasowy błąd połączenia' });
    const unknown = describeStatus(parseAggregationStatus('mystery'), 'ja');
    expect(unknown).toMatchObject({ group: 'unknown', label: groupLabels.unknown.ja });
  });

  it('the schema decodes and encodes unknown strings unchanged and rejects non-strings', () => {
    const decode = Schema.decodeUnknownSync(AggregationStatusSchema);
    const encode = Schema.encodeSync(AggregationStatusSchema);
    expect(decode('error.brand-new')).toBe('error.brand-new');
    expect(encode(decode('error.brand-new'))).toBe('error.brand-new');
    expect(encode(decode('success'))).toBe('success');
    expect(() => decode(42)).toThrow();
    expect(() => decode(null)).toThrow();
  });

  it('any string parses without throwing and encodes back to itself (property)', () => {
    const decode = Schema.decodeUnknownSync(AggregationStatusSchema);
    const encode = Schema.encodeSync(AggregationStatusSchema);
    const prefixed = fc
      .tuple(fc.constantFrom('suspended.', 'auth.', 'error.', 'running.', ''), fc.string({ unit: 'binary' }))
      .map(([p, s]) => p + s);
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), prefixed, fc.constantFrom(...knownAggregationStatuses)), (raw) => {
        const parsed = parseAggregationStatus(raw);
        expect(parsed).toBe(raw);
        expect(decode(raw)).toBe(raw);
        expect(encode(decode(raw))).toBe(raw);
        expect(describeStatus(parsed, 'en').label.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('challenge helpers', () => {
  it('map each challenge kind to its waiting and its invalid status, and back', () => {
    for (const kind of kinds) {
      expect(statusForChallengeKind(kind)).toBe(`suspended.missing-answer.auth.${kind}`);
      expect(invalidStatusForChallengeKind(kind)).toBe(`auth.creds.${kind}.invalid`);
      expect(challengeKindOf(statusForChallengeKind(kind))).toBe(kind);
      expect(isWaiting(statusForChallengeKind(kind))).toBe(true);
    }
  });

  it('find no challenge in other statuses, and waiting only for suspended.*', () => {
    for (const status of knownAggregationStatuses.filter((s) => !s.startsWith('suspended.'))) {
      expect([status, challengeKindOf(status), isWaiting(status)]).toEqual([status, undefined, false]);
    }
    const newChallenge = parseAggregationStatus('suspended.missing-answer.auth.face-id');
    expect(isWaiting(newChallenge)).toBe(true);
    expect(challengeKindOf(newChallenge)).toBeUndefined();
  });
});

describe('describeStatus for success', () => {
  const succeededAt = new Date('2024-03-01T10:00:00Z');
  it('shows the time since the success when given the instants', () => {
    const now = new Date('2024-03-01T10:03:20Z');
    expect(describeStatus('success', 'ja', { succeededAt, now }).label).toBe('3分前に更新されました');
    expect(describeStatus('success', 'en', { succeededAt, now }).label).toBe('Updated 3 minutes ago');
    expect(describeStatus('success', 'pl', { succeededAt, now }).label).toBe('Zaktualizowano 3 minuty temu');
  });
  it('reads "just now" without them, and within the first minute', () => {
    expect(describeStatus('success', 'ja').label).toBe('ただ今更新されました');
    expect(describeStatus('success', 'ja', { succeededAt, now: new Date('2024-03-01T10:00:59Z') }).label).toBe(
      'ただ今更新されました',
    );
  });
});
