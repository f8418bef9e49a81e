// Preload for a measurement control (hotpath-profile.ts `--server slipway+capture-discard`): the server it is loaded
// into records requests as usual (tap, packed batch, flushes) but its SQLite store discards each flushed batch, so
// capture on vs capture-discard isolates what the store write (the writer thread's inserts) costs the served load.
//
//   node --import tsx --import ./bench/discard-captures.ts <dist>/cli/main.js serve …

import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The store class of the build being run (its dist folder is the CLI's grandparent), so another build's A/B works too;
// by its real path, the URL the server's own import resolves to (another URL would load a second, unpatched copy).
const cli = process.argv[1];
if (!cli) throw new Error('discard-captures: load it into `node … <dist>/cli/main.js serve`');
const module = (await import(pathToFileURL(join(dirname(dirname(realpathSync(cli))), 'store', 'sqlite-loop-store.js')).href)) as {
  SqliteLoopStore: { prototype: { appendCaptures(records: unknown): Promise<void> } };
};
module.SqliteLoopStore.prototype.appendCaptures = async () => undefined;
