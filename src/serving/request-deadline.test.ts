// Request deadlines from timeout parameter, header and transport deadline, capped by config.

import { describe, expect, it } from 'vitest';
import { requestDeadline } from './request-deadline.js';
import { expectInvalid } from '../../test/support/thrown.js';

const NOW = 1_000_000;

describe('requestDeadline', () => {
  it('sets none when the client asks for none', () => {
    expect(requestDeadline({}, 60_000, NOW)).toBeUndefined();
    expect(requestDeadline({ transportDeadline: Infinity }, 60_000, NOW)).toBeUndefined();
  });

  it('reads the v2 timeout parameter in microseconds', () => {
    expect(requestDeadline({ timeoutParameter: 250_000 }, 60_000, NOW)).toBe(NOW + 250);
    expect(requestDeadline({ timeoutParameter: 1500 }, 60_000, NOW)).toBe(NOW + 1.5);
  });

  it('reads the header in milliseconds and a transport deadline as is', () => {
    expect(requestDeadline({ timeoutHeader: '750' }, 60_000, NOW)).toBe(NOW + 750);
    expect(requestDeadline({ transportDeadline: NOW + 42 }, 60_000, NOW)).toBe(NOW + 42);
  });

  it('takes the strictest limit, and never beyond maxTimeoutMs', () => {
    expect(requestDeadline({ timeoutParameter: 5_000_000, timeoutHeader: '300', transportDeadline: NOW + 900 }, 60_000, NOW)).toBe(NOW + 300);
    expect(requestDeadline({ timeoutHeader: '600000' }, 60_000, NOW)).toBe(NOW + 60_000);
    expect(requestDeadline({ transportDeadline: NOW + 3_600_000 }, 1000, NOW)).toBe(NOW + 1000);
  });

  it.each([0, -5, 1.5, '100', true])('rejects the timeout parameter %j', (value) => {
    expectInvalid(
      () => requestDeadline({ timeoutParameter: value }, 60_000, NOW),
      `request parameter "timeout": expected a positive integer number of microseconds, got ${JSON.stringify(value)}`,
    );
  });

  it.each(['0', '-1', '1.5', 'soon', ''])('rejects the header value %j', (value) => {
    expectInvalid(
      () => requestDeadline({ timeoutHeader: value }, 60_000, NOW),
      `header x-slipway-timeout-ms: expected a positive integer number of milliseconds, got ${JSON.stringify(value)}`,
    );
  });
});
