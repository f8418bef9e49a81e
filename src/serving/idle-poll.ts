// Keeping the event loop polling for a short while after its last request in flight finishes, instead of letting the
// thread sleep at once. On a virtual machine an idle vCPU halts, and waking it for the next request's packets costs
// more than the request itself: on a 2-vCPU host a digits request with one client took ~165 µs of a main thread woken
// from a halt (its model run 50-65 µs, 13 µs in a loop), and polling after each answer raised that client's rate
// 1.14-1.28x over HTTP and 1.13-1.25x over gRPC (bench/results/idle-poll.md). It polls only after one request at a
// time (see leave), and the window adapts (core/poll-window.ts), so traffic too sparse to be caught polls (almost)
// never; under load requests overlap and nothing polls.

import { PollWindow } from '../core/poll-window.js';

export class IdlePoll {
  private window = new PollWindow(0);
  /** Requests in flight on this thread's endpoints. */
  private active = 0;
  /** The most requests in flight at once since none was. */
  private peak = 0;
  /** performance.now() when the last request in flight finished; -1 while one is in flight (or before any). */
  private idleSince = -1;
  private polling = false;
  private deadline = 0;
  private pollStart = 0;
  /** Milliseconds spent polling, in all. */
  private polledMs = 0;

  /** The longest poll after the last request in flight finishes, in µs; 0 turns polling off. A poll under way ends. */
  configure(maxMicros: number): void {
    this.window = new PollWindow(maxMicros);
    this.deadline = 0;
  }

  /** The longest poll now (it adapts to the gaps seen), in µs. */
  get windowMicros(): number {
    return this.window.micros;
  }

  get maxMicros(): number {
    return this.window.maxMicros;
  }

  /** Seconds this thread spent polling: the CPU the latency gain costs. */
  get polledSeconds(): number {
    return (this.polling ? this.polledMs + (performance.now() - this.pollStart) : this.polledMs) / 1000;
  }

  /** A request starts: a poll under way ends at its next turn, and the gap since the loop went idle is learnt. */
  enter(): void {
    if (++this.active > this.peak) this.peak = this.active;
    if (this.active > 1 || this.idleSince < 0) return;
    this.window.observe((performance.now() - this.idleSince) * 1000);
    this.idleSince = -1;
  }

  /**
   * A request finished: with none left in flight, poll for the next one (for the window's length), but only after a
   * stretch of one request at a time. With several in flight the loop had work between them, and its idle moments are
   * other threads' turn: with two server processes and the load generator on two cores, polling after every batch at
   * c=16 raised the server's CPU per request 0.066 -> 0.076 ms and cost ~10 % of its throughput (bench runs 05e, 05j).
   */
  leave(): void {
    if (--this.active > 0) return;
    const alone = this.peak === 1;
    this.peak = 0;
    if (!alone) {
      this.idleSince = -1;
      this.deadline = 0;
      return;
    }
    const now = performance.now();
    this.idleSince = now;
    const micros = this.window.micros;
    if (micros === 0) {
      this.deadline = 0;
      return;
    }
    this.deadline = now + micros / 1000;
    if (this.polling) return;
    this.polling = true;
    this.pollStart = now;
    setImmediate(this.poll);
  }

  /**
   * One turn of the loop with a callback waiting, so libuv polls its sockets without blocking (a zero timeout); the
   * turns go on until a request is in flight again or the deadline passes. Timers and I/O run between turns as ever.
   */
  private readonly poll = (): void => {
    const now = performance.now();
    if (this.active === 0 && now < this.deadline) {
      setImmediate(this.poll);
      return;
    }
    this.polling = false;
    this.polledMs += now - this.pollStart;
  };
}

/**
 * The process's one: there is one event loop per thread, and endpoints are served on the main thread only. Off until
 * `serve` configures it (config `idlePollMicros`), so code that builds endpoints by itself (tests, tools) polls never.
 */
export const idlePoll = new IdlePoll();
