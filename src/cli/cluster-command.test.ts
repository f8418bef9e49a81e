import { describe, expect, it } from 'vitest';
import { describeCluster } from './cluster-command.js';

describe('slipway cluster status', () => {
  it('lists the replicas, marks the one answering, and says which lease runs', () => {
    const text = describeCluster({
      self: 'b',
      replicas: [
        { id: 'a', pid: 1, host: 'h1', startedAt: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:01:00.000Z', revisions: { digits: 3, iris: 1 } },
        { id: 'b', pid: 2, host: 'h2', startedAt: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:01:00.000Z', revisions: {} },
      ],
      duties: [
        { duty: 'monitors', holder: 'a', expiresAt: '2026-01-01T00:01:08.000Z', live: true },
        { duty: 'rollouts', holder: 'c', expiresAt: '2026-01-01T00:00:30.000Z', live: false },
      ],
    });
    expect(text.split('\n')[0]).toBe('2 replicas');
    expect(text).toMatch(/^b \(this one\)\s+h2\s+2\s.*\s-$/m);
    expect(text).toMatch(/^a\s+h1\s+1\s.*digits@3 iris@1$/m);
    expect(text).toMatch(/^monitors\s+a\s+until 2026-01-01T00:01:08\.000Z$/m);
    expect(text).toMatch(/^rollouts\s+c\s+expired 2026-01-01T00:00:30\.000Z \(free to take\)$/m);
    expect(describeCluster({ self: 'a', replicas: [], duties: [] })).toContain('no duty is held yet');
  });
});
