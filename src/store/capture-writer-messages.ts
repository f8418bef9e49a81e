// Messages between the store and its capture-writer thread.

import type { CaptureRecord } from '../core/capture-config.js';

export type WriterRequest = { type: 'append'; id: number; records: CaptureRecord[] } | { type: 'close'; id: number };
export interface WriterReply {
  id: number;
  error?: string;
}
