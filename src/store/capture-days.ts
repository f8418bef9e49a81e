// Which day partition of the Postgres captures table holds a capture time, and back: pure, so the writer, retention
// and the migration that made the partitions agree on names and bounds (UTC days, [start, end) in ms).

export const DAY_MS = 86_400_000;
/** Day partitions cover 1970-01-01 up to the end of 9999 (four-digit years); other times land in captures_default. */
const LAST_DAY = Date.UTC(10000, 0, 1) / DAY_MS;
const NAME = /^captures_p(\d{4})(\d{2})(\d{2})$/;

export interface CaptureDay {
  /** Days since 1970-01-01 (UTC). */
  day: number;
  name: string;
  start: number;
  end: number;
}

/** The day partition for a capture time, or null when no day partition may hold it (the default partition does). */
export function captureDay(time: number): CaptureDay | null {
  const day = Math.floor(time / DAY_MS);
  return day >= 0 && day < LAST_DAY ? dayPartition(day) : null;
}

export function dayPartition(day: number): CaptureDay {
  const name = `captures_p${new Date(day * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '')}`;
  return { day, name, start: day * DAY_MS, end: (day + 1) * DAY_MS };
}

/** A partition's day from its name, or null for a table that is not a day partition (captures_default). */
export function parseCaptureDay(name: string): CaptureDay | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return dayPartition(start / DAY_MS);
}

/** The days of these times (and each one's next day, made ahead so midnight never waits on a CREATE), distinct. */
export function daysToEnsure(times: Iterable<number>): CaptureDay[] {
  const days = new Map<number, CaptureDay>();
  for (const time of times) {
    const day = captureDay(time);
    if (!day) continue;
    days.set(day.day, day);
    if (day.day + 1 < LAST_DAY) days.set(day.day + 1, dayPartition(day.day + 1));
  }
  return [...days.values()];
}
