// Polls an API call every N ms while a page shows it: one call at a time, stopped on unmount, the last error kept.

import { useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  /** Calls again now (after an action changed what the page shows). */
  refresh: () => void;
}

export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, everyMs: number, deps: readonly unknown[]): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const kick = useRef<() => void>(() => undefined);
  useEffect(() => {
    const aborted = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    const run = async (): Promise<void> => {
      if (running || aborted.signal.aborted) return;
      running = true;
      clearTimeout(timer);
      try {
        const value = await load(aborted.signal);
        if (!aborted.signal.aborted) {
          setData(value);
          setError(undefined);
        }
      } catch (err) {
        if (!aborted.signal.aborted) setError(err);
      } finally {
        running = false;
        if (!aborted.signal.aborted && everyMs > 0) timer = setTimeout(() => void run(), everyMs);
      }
    };
    kick.current = () => void run();
    setData(undefined);
    setError(undefined);
    void run();
    return () => {
      aborted.abort();
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return { data, error, refresh: () => kick.current() };
}
