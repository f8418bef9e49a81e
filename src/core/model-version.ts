// A registered model version and the package manifest it was pushed with.

import type { Signature } from './signature.js';

export type ModelTask = 'classification' | 'regression' | 'other';

export const TEST_METRICS = ['accuracy', 'f1', 'mae', 'rmse', 'p99_latency_ms'] as const;
export type TestMetric = (typeof TEST_METRICS)[number];

/** A validation test a package carries: golden data scored by a metric against a threshold, or a latency budget. */
export interface PackageTest {
  name: string;
  metric: TestMetric;
  /** Minimum for accuracy/f1, maximum for mae/rmse/p99_latency_ms. */
  threshold: number;
  /** Package-relative CSV with feature columns and the target column (absent for latency tests). */
  data?: string;
  target?: string;
  /** Model output compared with the target; defaults to the first output. */
  output?: string;
}

/** The contents of `slipway.yaml`, after validation. File paths are package-relative. */
export interface PackageManifest {
  name: string;
  description: string;
  model: string;
  /** How the model runs (`onnx`), as declared; absent: the format its model file's name says, else onnx. */
  format?: string;
  task: ModelTask;
  /** Feature names of the first input's last dimension. */
  features?: string[];
  /** Features holding category codes rather than quantities: monitored by frequencies (chi-squared), not by KS. */
  categorical?: string[];
  /** Class labels of the classification output. */
  labels?: string[];
  /** The model's inputs and outputs, for formats whose file does not declare them (sklearn, xgboost, python). */
  signature?: Signature;
  /**
   * Pre- and post-processing beside the model (a Python file with preprocess/postprocess, for Python formats): the
   * signature is then what clients send and get, and the handler declares the model's own tensors.
   */
  handler?: string;
  /** Other package files the model reads: code beside model.py or a pickle's own transformers, weights. */
  files?: string[];
  /** Package-relative baseline data (CSV, JSON Lines or Parquet) that live traffic is compared with. */
  baseline?: string;
  tests: PackageTest[];
}

/** One stored file of a package, named by its content hash. */
export interface PackageFile {
  path: string;
  sha256: string;
  size: number;
}

export interface ModelVersion {
  name: string;
  version: number;
  createdAt: string;
  description: string;
  task: ModelTask;
  /** How the model runs: the name of the runner format that loads it (`onnx`). */
  format: string;
  /** Hash of the model artifact. */
  sha256: string;
  size: number;
  signature: Signature;
  manifest: PackageManifest;
  files: PackageFile[];
}

export interface ModelAlias {
  name: string;
  alias: string;
  version: number;
  updatedAt: string;
}
