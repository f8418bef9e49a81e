// The formats run by Python worker processes: scikit-learn (pickle, joblib), XGBoost (JSON/UBJ booster), TorchScript,
// and a model.py class.

import { PythonRunner, type PythonRunnerSettings } from './python-runner.js';
import type { RunnerFormat } from './runner-factory.js';

/** Each format's bare-file names: ".json" alone is left unclaimed, since a JSON file is not necessarily a booster. */
const PYTHON_FORMATS: readonly { format: string; extensions: readonly string[] }[] = [
  { format: 'sklearn', extensions: ['.pkl', '.pickle', '.joblib'] },
  { format: 'xgboost', extensions: ['.ubj', '.xgb.json'] },
  { format: 'torchscript', extensions: ['.pt', '.torchscript'] },
  { format: 'python', extensions: ['.py'] },
];

export function pythonFormats(settings: PythonRunnerSettings): RunnerFormat[] {
  return PYTHON_FORMATS.map(({ format, extensions }) => ({
    format, extensions, load: (source, options, label) => PythonRunner.load(format, source, options, label, settings),
  }));
}
