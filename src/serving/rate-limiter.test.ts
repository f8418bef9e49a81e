import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../core/errors.js';
import { RateLimiter } from './rate-limiter.js';
import type { RateLimitReason } from './serving-observer.js';

function limiter(tokens: ConstructorParameters<typeof RateLimiter>[0]['tokens'] = {}) {
  const clock = { now: 10_000 };
  const refused: [string, RateLimitReason][] = [];
  const rl = new RateLimiter({ tokens, onLimited: (e, r) => refused.push([e, r]), clock: () => clock.now });
  return { rl, clock, refused };
}

function refusal(run: () => void): RateLimitedError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(RateLimitedError);
    return err as RateLimitedError;
  }
  throw new Error('expected a rate limit refusal');
}

const ONE_PER_2S = { requestsPerSecond: 0.5, burst: 2 };

describe('RateLimiter', () => {
  it('limits an endpoint by its spec, per endpoint, with Retry-After in whole seconds', () => {
    const { rl, clock, refused } = limiter();
    rl.admit('a', ONE_PER_2S, undefined);
    rl.admit('a', ONE_PER_2S, undefined);
    const err = refusal(() => rl.admit('a', ONE_PER_2S, undefined));
    expect(err.message).toMatch(/endpoint "a" is limited to 0.5 requests\/s \(burst 2\) per replica; retry after 2 s/);
    expect(err.retryAfterSeconds).toBe(2);
    expect(err.httpStatus).toBe(429);
    rl.admit('b', ONE_PER_2S, undefined); // another endpoint has its own bucket
    clock.now += 2_000;
    rl.admit('a', ONE_PER_2S, undefined);
    expect(refused).toEqual([['a', 'endpoint']]);
  });

  it('starts a changed limit full, and keeps the bucket while the limit stays the same', () => {
    const { rl } = limiter();
    rl.admit('a', { requestsPerSecond: 1, burst: 1 }, undefined);
    refusal(() => rl.admit('a', { requestsPerSecond: 1, burst: 1 }, undefined));
    rl.admit('a', { requestsPerSecond: 2, burst: 1 }, undefined);
  });

  it('limits tokens by name, "*" for every other token, and leaves anonymous callers to the endpoint limit', () => {
    const { rl, refused } = limiter({ ci: { requestsPerSecond: 1, burst: 1 }, '*': { requestsPerSecond: 1, burst: 2 } });
    expect(rl.byToken).toBe(true);
    rl.admit('a', undefined, 'ci');
    expect(refusal(() => rl.admit('b', undefined, 'ci')).message).toMatch(/token "ci" is limited to 1 requests\/s \(burst 1\)/);
    rl.admit('a', undefined, 'other');
    rl.admit('a', undefined, 'other');
    refusal(() => rl.admit('a', undefined, 'other'));
    for (let i = 0; i < 10; i++) rl.admit('a', undefined, undefined);
    expect(refused).toEqual([['b', 'token'], ['a', 'token']]);
  });

  it('takes from neither bucket when one of them refuses', () => {
    const { rl, clock } = limiter({ ci: { requestsPerSecond: 1, burst: 1 } });
    const endpoint = { requestsPerSecond: 1, burst: 1 };
    rl.admit('a', endpoint, undefined); // the endpoint's one request
    refusal(() => rl.admit('a', endpoint, 'ci')); // refused by the endpoint: the token keeps its request
    rl.admit('b', undefined, 'ci');
    clock.now += 1_000;
    rl.admit('a', endpoint, undefined);
  });

  it('is not limited by token without token limits', () => {
    expect(limiter().rl.byToken).toBe(false);
  });
});
