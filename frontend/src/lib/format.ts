/** Formatting of numbers, sizes, durations and stages for people. */
import type { ProgressStatus } from '../api/types';

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export function formatCount(value: number | null | undefined): string {
  return value == null ? '–' : integer.format(value);
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatRate(rowsPerSecond: number | null | undefined): string {
  if (rowsPerSecond == null || !Number.isFinite(rowsPerSecond)) return '–';
  return `${integer.format(Math.round(rowsPerSecond))} rows/s`;
}

/** 75 -> "1 min 15 s"; null -> "–". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 1) return '< 1 s'; // not "0 s": a small file's import does take time
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export function formatPercent(percent: number | null | undefined): string {
  if (percent == null || !Number.isFinite(percent)) return '0%';
  return `${Math.floor(Math.max(0, Math.min(100, percent)))}%`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '–';
  // The year only when it is not this one: the history table fits 1280 px wide without it.
  if (date.getFullYear() === new Date().getFullYear()) {
    return date.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
  }
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Seconds between two ISO times (or until now). */
export function elapsedSeconds(from: string | null | undefined, to?: string | null): number | null {
  if (!from) return null;
  const start = Date.parse(from);
  const end = to ? Date.parse(to) : Date.now();
  if (Number.isNaN(start) || Number.isNaN(end)) return null;
  return Math.max(0, (end - start) / 1000);
}

export const STATUS_LABEL: Record<ProgressStatus, string> = {
  unknown: 'Waiting',
  queued: 'Queued',
  parsing: 'Parsing',
  validating: 'Validating',
  importing: 'Importing',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const STATUS_COLOR: Record<ProgressStatus, string> = {
  unknown: 'gray',
  queued: 'gray',
  parsing: 'blue',
  validating: 'blue',
  importing: 'indigo',
  completed: 'green',
  failed: 'red',
  cancelled: 'orange',
};

/** What the job is doing, in a sentence. */
export const STATUS_DESCRIPTION: Record<ProgressStatus, string> = {
  unknown: 'Waiting for the job to be picked up…',
  queued: 'Queued: waiting for a worker.',
  parsing: 'Reading the file (pass 1 of 2).',
  validating: 'Checking every row (pass 1 of 2).',
  importing: 'Writing products to the catalog (pass 2 of 2).',
  completed: 'Import completed.',
  failed: 'Import failed.',
  cancelled: 'Import cancelled.',
};
