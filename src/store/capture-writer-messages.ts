// Messages between the store and its capture-writer thread (ids assigned by core/worker-channel).

import type { SealedCaptures } from '../core/capture-batch.js';
import type { RetentionLimits } from './loop-store.js';

export type WriterRequest =
  | { type: 'append'; id: number; batch: SealedCaptures }
  | { type: 'trim'; id: number; endpoint: string; limits: RetentionLimits }
  | { type: 'close'; id: number };
export interface WriterReply {
  id: number;
  error?: string;
  /** Records removed (trim). */
  removed?: number;
}
