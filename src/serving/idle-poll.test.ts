import { afterEach, describe, expect, it } from 'vitest';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { IdlePoll } from './idle-poll.js';

/** Polls made by a test; each is turned off after it, so no test's poll runs into the next. */
const made: IdlePoll[] = [];

function pollOf(maxMicros: number): IdlePoll {
  const poll = new IdlePoll();
  poll.configure(maxMicros);
  made.push(poll);
  return poll;
}

afterEach(() => {
  for (const poll of made.splice(0)) poll.configure(0);
});

/** A poll of at most `maxMicros` that one request has just gone through: it starts polling now (unless off). */
function afterLoneRequest(maxMicros: number): IdlePoll {
  const poll = pollOf(maxMicros);
  poll.enter();
  poll.leave();
  return poll;
}

/** The CPU seconds the poll has spent, once checked that it spends no more: it has stopped. */
async function stoppedAt(poll: IdlePoll): Promise<number> {
  const spent = poll.polledSeconds;
  await sleep(5);
  expect(poll.polledSeconds).toBe(spent);
  return spent;
}

describe('IdlePoll', () => {
  it('polls not at all when off (the default)', async () => {
    const poll = afterLoneRequest(0);
    await sleep(3);
    expect(poll.polledSeconds).toBe(0);
    expect(poll.windowMicros).toBe(0);
  });

  it('keeps the loop turning after a lone request, with timers still firing, until the next one starts', async () => {
    const poll = afterLoneRequest(50_000);
    await sleep(5); // a timer fires while polling
    expect(poll.polledSeconds).toBeGreaterThan(0.003);
    poll.enter();
    await nextTurn();
    await stoppedAt(poll);
  });

  it('polls not after requests that overlapped: the loop had work between them, and its idle moments are others\' turn', async () => {
    const poll = pollOf(50_000);
    poll.enter();
    poll.enter();
    poll.leave(); // one still in flight: no poll
    await sleep(2);
    expect(poll.polledSeconds).toBe(0);
    poll.leave(); // none in flight, but two were at once
    await sleep(3);
    expect(poll.polledSeconds).toBe(0);
    poll.enter(); // one at a time again: polls after it
    poll.leave();
    await sleep(3);
    expect(poll.polledSeconds).toBeGreaterThan(0.002);
  });

  it('stops at its deadline when no request comes', async () => {
    const poll = afterLoneRequest(2_000);
    await sleep(30);
    const spent = await stoppedAt(poll);
    expect(spent).toBeGreaterThanOrEqual(0.002);
    expect(spent).toBeLessThan(0.05); // stops at the first turn past the deadline (a turn may wait on a busy CI core)
  });

  it('learns from the gaps: requests that come long after the window shrink it to nothing, close ones grow it back', async () => {
    // A largest window of 40 ms, and gaps chosen so that a loaded CI core preempting this thread for tens of ms does
    // not change what is learnt: each gap is judged against bounds far from it.
    const poll = pollOf(40_000);
    expect(poll.maxMicros).toBe(40_000);
    for (let i = 0; i < 14; i++) {
      poll.enter();
      poll.leave();
      await sleep(45); // past the largest window: 40000 -> 20000 -> … -> 4.9 -> 0
    }
    expect(poll.windowMicros).toBe(0);
    poll.enter();
    poll.leave();
    await nextTurn(); // the next request follows within the largest window: the window restarts at an eighth
    poll.enter();
    expect(poll.windowMicros).toBe(5_000);
    poll.leave();
    const until = performance.now() + 8;
    while (performance.now() < until); // the next request 8 ms later: a longer poll would have caught it
    poll.enter();
    expect(poll.windowMicros).toBe(10_000);
    poll.leave();
    poll.enter(); // at once: within the window, which stays
    expect(poll.windowMicros).toBe(10_000);
  });

  it('ends a poll under way when turned off', async () => {
    const poll = afterLoneRequest(50_000);
    await sleep(2);
    poll.configure(0);
    await nextTurn();
    expect(await stoppedAt(poll)).toBeGreaterThan(0.001);
  });
});
