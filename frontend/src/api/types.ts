/**
 * The types the dashboard uses for the import APIs.
 *
 * Everything that the upload service's OpenAPI document describes comes from the generated
 * `upload.d.ts` (npm run gen:api; never edit it by hand). Two things no document describes are
 * written here: `ProgressSnapshot` (the progress service speaks Server-Sent Events, which OpenAPI
 * cannot describe; its payload is documented in services/progress/README.md) and `ApiErrorBody`
 * (the error body every service shares, which no route declares).
 */
import type { components, operations } from './upload';

type Schemas = components['schemas'];

/** The job statuses, from the `status` filter of GET /imports (generated). */
export type ImportStatus = Schemas['ImportJob']['status'];

/** Query of GET /imports (generated). */
export type ImportListQuery = NonNullable<operations['list_imports_imports_get']['parameters']['query']>;

/** `{code, message}` of a failed job (generated); the progress snapshot uses it for cancelled jobs too. */
export type JobError = Schemas['JobError'];

/** One import job as GET /api/imports/{id} shows it (generated). */
export type ImportJob = Schemas['ImportJob'];

/** GET /api/imports (generated). */
export type ImportJobPage = Schemas['ImportJobPage'];

/** The error body of every service (pikit `error_body`): `{"error": {status, code, message, ...}}`. */
export interface ApiErrorBody {
  error: {
    status: number;
    code: string;
    message: string;
    /** 422 missing_columns: the required columns the header lacks. */
    missing?: string[];
    /** 413 too_large: the limit. */
    limit_bytes?: number;
    [key: string]: unknown;
  };
}

/** A snapshot's status: the job statuses, plus `unknown` for a job the progress service has not seen yet. */
export type ProgressStatus = ImportStatus | 'unknown';

/**
 * The progress snapshot, the same in every SSE event (`snapshot`, `progress`) of
 * GET /api/progress/imports/{id} and in GET .../snapshot. Hand-written: SSE payloads are not
 * in any OpenAPI document. Source: services/progress/README.md, "The snapshot".
 */
export interface ProgressSnapshot {
  job_id: string;
  filename: string | null;
  size_bytes: number | null;
  retry_of: string | null;
  status: ProgressStatus;
  /** The working stage the job is in or ended in; null while queued. */
  stage: 'parsing' | 'validating' | 'importing' | null;
  terminal: boolean;
  rows_total: number | null;
  rows_read: number | null;
  rows_processed: number | null;
  rows_to_import: number | null;
  inserted: number | null;
  updated: number | null;
  unchanged: number | null;
  invalid: number | null;
  duplicates: number | null;
  batches_total: number | null;
  batches_sent: number | null;
  batches_done: number | null;
  bytes_read: number | null;
  bytes_total: number | null;
  /** 0-100, per stage: pass 1 by bytes, importing by rows; 100 when completed. */
  percent: number | null;
  /** Rows per second in the current stage. */
  rate: number | null;
  /** Seconds left in the current stage; null when unknown. */
  eta_seconds: number | null;
  cancel_requested: boolean;
  error: JobError | null;
  created_at: string | null;
  started_at: string | null;
  updated_at: string | null;
  finished_at: string | null;
}

/** First event of the dashboard stream GET /api/progress/imports. */
export interface DashboardSnapshot {
  jobs: ProgressSnapshot[];
}

export const TERMINAL_STATUSES: readonly ImportStatus[] = ['completed', 'failed', 'cancelled'];

export function isTerminal(status: ProgressStatus | undefined | null): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}
