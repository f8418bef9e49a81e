// A file in shared memory (/dev/shm) that one Python worker and its runner pass large tensors through: written and
// read at offsets, reused by every call (grown, never shrunk), removed with the instance.

import { existsSync } from 'node:fs';
import { open, readdir, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where segments live: tmpfs on Linux, so their pages are memory the worker maps, not disk. */
export const SHM_DIR = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

let made = 0;
let swept: Promise<void> | undefined;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes segments left by servers that no longer run (killed before they could remove their own): once per
 * process, before its first segment. A pid still alive, even reused by another program, keeps its files.
 */
export async function sweepDeadSegments(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(SHM_DIR).catch(() => [] as string[])) {
    const pid = Number(/^slipway-(\d+)-/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    await rm(join(SHM_DIR, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/** A fresh, unused path for a segment of this process. */
export function segmentPath(role: string): string {
  return join(SHM_DIR, `slipway-${process.pid}-${Date.now().toString(36)}-${made++}-${role}`);
}

export class ShmSegment {
  private handle: FileHandle | undefined;
  private size = 0;

  constructor(readonly path: string) {}

  /**
   * Writes `parts` one after another from offset 0, growing the file first when they do not fit (to a power of two,
   * so a workload of similar sizes settles on one size). Async: the copy runs on libuv's threads, not the event loop.
   */
  async write(parts: readonly Uint8Array[], bytes: number): Promise<void> {
    if (!this.handle) {
      await (swept ??= sweepDeadSegments().then(() => undefined, () => undefined));
      this.handle = await open(this.path, 'w+', 0o600);
    }
    if (bytes > this.size) {
      this.size = 2 ** Math.ceil(Math.log2(Math.max(bytes, 1 << 20)));
      await this.handle.truncate(this.size);
    }
    let at = 0;
    // writev takes at most IOV_MAX (1024) buffers a call; a frame has two per tensor.
    for (let i = 0; i < parts.length; i += 512) {
      const slice = parts.slice(i, i + 512);
      await this.handle.writev(slice, at);
      at += slice.reduce((n, p) => n + p.byteLength, 0);
    }
  }

  /** The first `bytes` bytes, into a buffer of their own (aligned at 0, so typed arrays can view it). */
  async read(bytes: number): Promise<Uint8Array> {
    this.handle ??= await open(this.path, 'r');
    const out = new Uint8Array(new ArrayBuffer(bytes));
    let at = 0;
    while (at < bytes) {
      const { bytesRead } = await this.handle.read(out, at, bytes - at, at);
      if (bytesRead === 0) throw new Error(`shared-memory segment ${this.path} holds ${at} bytes, the worker said ${bytes}`);
      at += bytesRead;
    }
    return out;
  }

  async dispose(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }
}
