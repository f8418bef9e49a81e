// The shape of live quality from feedback: per-variant buckets of accuracy/F1 or MAE/RMSE (what the API answers).

export interface QualityBucket {
  start: string;
  end: string;
  variant: string;
  model: string;
  /** Rows with ground truth in the bucket. */
  labelled: number;
  accuracy?: number;
  f1?: number;
  mae?: number;
  rmse?: number;
}

export interface QualityReport {
  endpoint: string;
  kind: 'classification' | 'regression' | 'unknown';
  buckets: QualityBucket[];
  /** Feedback that could not be compared: a label list of the wrong length, a class the model cannot predict, no prediction captured. */
  skipped: number;
}
