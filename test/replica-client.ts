// The replica calls of test/support/replica-client.ts (shared with the bench), and a digits inference on a fresh
// connection for the whole-server tests that spread requests over replicas.

import { DIGITS, golden, rowsRequest } from './loop-harness.js';
import { ask, type ReplicaReply } from './support/replica-client.js';

export { ask, clusterView, replicas, untilAllAnswer, type ClusterBody, type ReplicaReply } from './support/replica-client.js';

const ROWS = golden(DIGITS, 'label').rows.slice(0, 1);

/** One digits inference on a fresh connection. */
export function inferDigits(url: string, endpoint = 'digits'): Promise<ReplicaReply> {
  return ask(url, `/v2/models/${endpoint}/infer`, 'POST', rowsRequest(ROWS));
}
