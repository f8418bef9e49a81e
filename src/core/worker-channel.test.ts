import { describe, expect, it, vi } from 'vitest';
import { InternalError, UnavailableError } from './errors.js';
import { WorkerChannel, type SettleReply } from './worker-channel.js';
import type { TestReply, TestRequest } from './worker-channel.test-util.js';
import { workerScript } from './worker-script.js';

const SCRIPT = workerScript(import.meta.url, 'worker-channel.test-util');
const open = (): WorkerChannel<TestRequest, TestReply> => new WorkerChannel({ script: SCRIPT, name: 'test worker', keepAlive: 'never' });
const valueOf: SettleReply<TestReply, number> = (reply) => (reply.value < 0 ? new InternalError(`negative ${reply.value}`) : reply.value);
const bytesOf: SettleReply<TestReply, number> = (reply) => reply.bytes;

describe('WorkerChannel', () => {
  it('routes each reply to the call it answers, whatever order the replies come in', async () => {
    const channel = open();
    const slow = channel.call({ id: 0, op: 'echo', value: 1, delayMs: 80 }, valueOf);
    const fast = channel.call({ id: 0, op: 'echo', value: 2 }, valueOf);
    const order: number[] = [];
    await Promise.all([slow.then((v) => order.push(v)), fast.then((v) => order.push(v))]);
    expect(order).toEqual([2, 1]);
    expect(channel.pending).toBe(0);
    await channel.dispose();
  });

  it('rejects a call with the error its settle function reads from the reply', async () => {
    const channel = open();
    await expect(channel.call({ id: 0, op: 'echo', value: -3 }, valueOf)).rejects.toThrow('negative -3');
    expect(await channel.call({ id: 0, op: 'echo', value: 4 }, valueOf)).toBe(4);
    await channel.dispose();
  });

  it('moves the buffers in the transfer list: detached here once sent, whole on the other side', async () => {
    const channel = open();
    const moved = new ArrayBuffer(1024);
    const kept = new ArrayBuffer(512);
    const reply = channel.call({ id: 0, op: 'echo', value: 0, buffer: moved }, bytesOf, [moved]);
    expect(moved.byteLength).toBe(0);
    expect(await reply).toBe(1024);
    expect(await channel.call({ id: 0, op: 'echo', value: 0, buffer: kept }, bytesOf)).toBe(512);
    expect(kept.byteLength).toBe(512);
    await channel.dispose();
  });

  it.each([
    ['throws', { id: 0, op: 'throw' } as const, /test worker crashed: the test worker threw/],
    ['exits', { id: 0, op: 'exit', code: 7 } as const, /test worker stopped unexpectedly \(worker exit code 7\)/],
  ])('rejects every call in flight and notifies once when the worker %s', async (_, fatal, message) => {
    const channel = open();
    const onCrash = vi.fn();
    channel.onCrash = onCrash;
    const held = [channel.call({ id: 0, op: 'hold' }, valueOf), channel.call({ id: 0, op: 'hold' }, valueOf)];
    const killer = channel.call(fatal, valueOf);
    for (const call of [...held, killer]) {
      await expect(call).rejects.toBeInstanceOf(InternalError);
      await expect(call).rejects.toThrow(message);
    }
    await new Promise((r) => setTimeout(r, 50)); // 'error' is followed by 'exit': still one notification
    expect(onCrash).toHaveBeenCalledTimes(1);
    expect(onCrash.mock.calls[0]![0]).toBeInstanceOf(InternalError);
    expect(channel.pending).toBe(0);
    expect(channel.running).toBe(false);
    await expect(channel.call({ id: 0, op: 'echo', value: 1 }, valueOf)).rejects.toThrow(message);
    await channel.dispose();
    expect(onCrash).toHaveBeenCalledTimes(1);
  });

  it('dispose rejects the calls in flight, stops the worker and refuses later calls, without a crash notification', async () => {
    const channel = open();
    const onCrash = vi.fn();
    channel.onCrash = onCrash;
    const held = channel.call({ id: 0, op: 'hold' }, valueOf);
    const unloaded = channel.call({ id: 0, op: 'hold' }, valueOf);
    const stopped = channel.dispose();
    await expect(held).rejects.toBeInstanceOf(UnavailableError);
    await expect(unloaded).rejects.toThrow('test worker was shut down');
    await stopped;
    await expect(channel.call({ id: 0, op: 'echo', value: 1 }, valueOf)).rejects.toThrow('test worker is not running');
    await new Promise((r) => setTimeout(r, 50));
    expect(onCrash).not.toHaveBeenCalled();
  });

  it('dispose rejects with the reason it is given', async () => {
    const channel = open();
    const held = expect(channel.call({ id: 0, op: 'hold' }, valueOf)).rejects.toThrow('model m:1 was unloaded');
    await channel.dispose(new UnavailableError('model m:1 was unloaded'));
    await held;
  });
});
