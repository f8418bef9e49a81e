// A request's cancellation as the serving path reads it: whether the caller went away, and news of it while the request
// waits. An AbortSignal is one; HTTP passes its connection's (api/connection-signal.ts), which costs no object per request.

export interface CancelSignal {
  readonly aborted: boolean;
  /** `listener` is called once when the caller goes away (never when it already has: read `aborted` first). */
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
