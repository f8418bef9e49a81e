// Reusable buffers by size: request bodies and batch inputs come back from the worker after a run and serve the next.
// Allocating a fresh multi-hundred-KB buffer costs page faults (up to ~1.6 ms measured; a fresh 3 MB one 2-6 ms on this
// VM, where a fault costs ~3 µs); reusing one costs a copy only.

/** Enough for the requests of one size in flight at a time under usual load; beyond it buffers are left to the GC. */
const MAX_PER_SIZE = 16;
const MAX_TOTAL_BYTES = 256 * 1024 * 1024;

export class BufferPool<B extends ArrayBuffer | SharedArrayBuffer = ArrayBuffer> {
  private readonly free = new Map<number, B[]>();
  private bytes = 0;

  /** `make`: a new buffer when none of the size is free (shared memory for a pool of SharedArrayBuffers). */
  constructor(private readonly make: (byteLength: number) => B = (n) => new ArrayBuffer(n) as B) {}

  /** A buffer of exactly `byteLength` bytes; its content is whatever a previous user left. */
  take(byteLength: number): B {
    const list = this.free.get(byteLength);
    const buffer = list?.pop();
    if (buffer) {
      this.bytes -= byteLength;
      return buffer;
    }
    return this.make(byteLength);
  }

  /** Returns buffers for reuse; detached or surplus ones are dropped. */
  give(buffers: readonly B[]): void {
    for (const b of buffers) {
      if (b.byteLength === 0 || this.bytes + b.byteLength > MAX_TOTAL_BYTES) continue;
      const list = this.free.get(b.byteLength) ?? [];
      if (list.length >= MAX_PER_SIZE) continue;
      list.push(b);
      this.free.set(b.byteLength, list);
      this.bytes += b.byteLength;
    }
  }

  get pooledBytes(): number {
    return this.bytes;
  }
}

/**
 * The process's pool: HTTP request bodies are read into its buffers (api/request-body) and schedulers copy inputs into
 * them; a buffer moved to a model's thread for a run comes back here (scheduler: `spent`) and serves the next request.
 */
export const tensorBuffers = new BufferPool();
