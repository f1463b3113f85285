import { describeWithSharedFile } from '../../../tools/jest/shared-files';
import { knownAggregationStatuses, statusLabels } from '../src';

// The Japanese labels must be the seed's own wording. The seed lists each status as one
// row "<status><meaning><label>"; the row runs until the next status begins.
describeWithSharedFile('seeds/aggregation-status.ja.txt', 'Japanese labels against the seed file itself', (seedFile) => {
  // The tables begin after the first header row; the prose before it mentions statuses too.
  const text = seedFile.text();
  const seed = text.slice(Math.max(0, text.indexOf('Aggregation Status')));
  // Longest first, so "auth.creds.invalid" is not found inside "auth.creds.otp.invalid".
  const rowStarts = knownAggregationStatuses
    .map((status) => ({ status, at: seed.search(new RegExp(`^${status.replace(/\./g, '\\.')}(?![.\\w-])`, 'm')) }))
    .sort((a, b) => a.at - b.at);

  it.each(knownAggregationStatuses.map((s) => [s]))('%s carries the seed label', (status) => {
    const i = rowStarts.findIndex((r) => r.status === status);
    const row = rowStarts[i]!;
    expect(row.at).toBeGreaterThanOrEqual(0);
    const end = rowStarts[i + 1]?.at ?? seed.length;
    expect(seed.slice(row.at, end)).toContain(statusLabels[status].ja);
  });
});

