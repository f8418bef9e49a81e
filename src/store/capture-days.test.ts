import { describe, expect, it } from 'vitest';
import { captureDay, DAY_MS, daysToEnsure, parseCaptureDay } from './capture-days.js';

describe('capture days', () => {
  it('names a time’s UTC day and its bounds, and parses the name back', () => {
    const time = Date.UTC(2026, 11, 4, 23, 59, 59, 999);
    const day = captureDay(time)!;
    expect(day.name).toBe('captures_p20261204');
    expect(day.start).toBe(Date.UTC(2026, 11, 4));
    expect(day.end - day.start).toBe(DAY_MS);
    expect(parseCaptureDay(day.name)).toEqual(day);
    expect(captureDay(1_000)!.name).toBe('captures_p19700101');
  });

  it('leaves times outside 1970..9999 to the default partition', () => {
    expect(captureDay(-1)).toBeNull();
    expect(captureDay(Date.UTC(10000, 0, 1))).toBeNull();
    expect(captureDay(Date.UTC(10000, 0, 1) - 1)!.name).toBe('captures_p99991231');
    expect(parseCaptureDay('captures_default')).toBeNull();
  });

  it('ensures each day once, with the next day ahead', () => {
    const t = Date.UTC(2026, 0, 31, 12);
    expect(daysToEnsure([t, t + 1, t + DAY_MS]).map((d) => d.name)).toEqual(['captures_p20260131', 'captures_p20260201', 'captures_p20260202']);
  });
});
