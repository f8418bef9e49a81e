// What a dataset export selects from an endpoint's captures, and in which file format.

export const EXPORT_FORMATS = ['parquet', 'csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface DatasetQuery {
  endpoint: string;
  /** ms since the epoch; records at or after `since` and before `until`. */
  since?: number;
  until?: number;
  variant?: string;
  /** Join ground truth: a `label` column (class or value), empty where none was posted. */
  withFeedback: boolean;
  /** Only rows with feedback (implies withFeedback). */
  onlyLabelled: boolean;
  /** Only records that fell in a monitor window with a drift finding. */
  onlyDriftedWindows: boolean;
  format: ExportFormat;
}
