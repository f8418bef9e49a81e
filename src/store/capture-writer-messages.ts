// Messages between the store and its capture-writer thread.

import type { CaptureRecord } from '../core/capture-config.js';
import type { RetentionLimits } from './loop-store.js';

export type WriterRequest =
  | { type: 'append'; id: number; records: CaptureRecord[] }
  | { type: 'trim'; id: number; endpoint: string; limits: RetentionLimits }
  | { type: 'close'; id: number };
export interface WriterReply {
  id: number;
  error?: string;
  /** Records removed (trim). */
  removed?: number;
}
