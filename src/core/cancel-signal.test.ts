// The cancel latch: tells the listeners present when it is set, once; a listener added later is never called.

import { describe, expect, it } from 'vitest';
import { CancelLatch } from './cancel-signal.js';

describe('CancelLatch', () => {
  it('calls the listeners registered when aborted, once, and none removed or added after', () => {
    const latch = new CancelLatch();
    const calls: string[] = [];
    const a = (): void => void calls.push('a');
    const b = (): void => void calls.push('b');
    latch.addEventListener('abort', a);
    latch.addEventListener('abort', b);
    latch.removeEventListener('abort', b);
    expect(latch.aborted).toBe(false);
    latch.abort();
    latch.abort();
    latch.addEventListener('abort', () => calls.push('late'));
    expect(latch.aborted).toBe(true);
    expect(calls).toEqual(['a']);
  });
});
