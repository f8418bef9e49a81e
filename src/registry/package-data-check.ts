// Checks at push time that a package's data files are readable tables with the columns the model needs: the baseline
// as CSV, JSON Lines or Parquet; golden test data as CSV.

import { parseCsv } from '../core/csv.js';
import { InvalidInputError } from '../core/errors.js';
import type { PackageManifest } from '../core/model-version.js';
import type { Signature } from '../core/signature.js';
import { DATA_EXTENSIONS, isDataFile, readDataTable } from './data-table.js';

export async function checkPackageData(
  manifest: PackageManifest,
  signature: Signature,
  read: (path: string) => Promise<Buffer>,
): Promise<void> {
  const features = signature.inputs[0]?.features;
  const check = async (path: string, field: string, extra: string[], anyFormat = false): Promise<void> => {
    if (anyFormat ? !isDataFile(path) : !path.endsWith('.csv')) {
      throw new InvalidInputError(`slipway.yaml: field "${field}": expected a ${anyFormat ? DATA_EXTENSIONS.join(', ') : '.csv'} file, got "${path}"`);
    }
    const table = anyFormat ? await readDataTable(await read(path), path) : parseCsv((await read(path)).toString('utf8'), path);
    if (table.rows.length === 0) throw new InvalidInputError(`${path}: expected at least one data row`);
    const wanted = [...(features ?? []), ...extra];
    const missing = wanted.filter((c) => !table.header.includes(c));
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).map((c) => `"${c}"`).join(', ');
      throw new InvalidInputError(`${path}: missing column${missing.length > 1 ? 's' : ''} ${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
    }
  };
  if (manifest.baseline) await check(manifest.baseline, 'baseline', [], true);
  for (const [i, test] of manifest.tests.entries()) {
    if (test.data && test.target) await check(test.data, `tests[${i}].data`, [test.target]);
    if (test.output && !signature.outputs.some((o) => o.name === test.output)) {
      throw new InvalidInputError(
        `slipway.yaml: field "tests[${i}].output": the model has no output "${test.output}" (outputs: ${signature.outputs.map((o) => `"${o.name}"`).join(', ')})`,
      );
    }
  }
}
