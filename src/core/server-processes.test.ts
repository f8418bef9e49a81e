import { describe, expect, it } from 'vitest';
import { AUTO_WORKERS_MAX, serverProcesses } from './server-processes.js';

describe('serverProcesses', () => {
  it('is one per core with auto, at least one and at most AUTO_WORKERS_MAX', () => {
    expect(serverProcesses('auto', 1)).toBe(1);
    expect(serverProcesses('auto', 2)).toBe(2);
    expect(serverProcesses('auto', 6)).toBe(6);
    expect(serverProcesses('auto', 64)).toBe(AUTO_WORKERS_MAX);
    expect(serverProcesses('auto', 0)).toBe(1);
  });

  it('is the number given otherwise, on any host', () => {
    expect(serverProcesses(1, 16)).toBe(1);
    expect(serverProcesses(12, 2)).toBe(12);
  });
});
