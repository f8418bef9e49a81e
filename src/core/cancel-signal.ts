// A request's cancellation as the serving path reads it: whether the caller went away, and news of it while the request
// waits. An AbortSignal is one; HTTP passes its connection's (api/connection-signal.ts), which costs no object per
// request, and gRPC a CancelLatch per call.

export interface CancelSignal {
  readonly aborted: boolean;
  /** `listener` is called once when the caller goes away (never when it already has: read `aborted` first). */
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * A CancelSignal set once by whoever learns the caller went away. Cheaper than an AbortController: aborting one builds a
 * DOMException with a stack trace and dispatches an Event, and grpc-js reports every call's end as a cancellation, so
 * that cost came on every gRPC call (~0.15 ms of the event loop's time for a ResNet call, profiled).
 */
export class CancelLatch implements CancelSignal {
  aborted = false;
  private readonly listeners = new Set<() => void>();

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) this.listeners.add(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.listeners.delete(listener);
  }

  /** Marks the caller gone and tells the listeners (a request still queued); later calls do nothing. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener();
  }
}
