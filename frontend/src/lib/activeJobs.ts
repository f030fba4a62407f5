/**
 * The import jobs started from this browser that the Import screen follows, remembered in
 * localStorage so that leaving the page (or reloading it) and coming back shows them again.
 * Kept until the user dismisses them; at most MAX_JOBS, newest first.
 */
import { useSyncExternalStore } from 'react';

export interface ActiveJob {
  id: string;
  filename: string;
  addedAt: string;
}

const STORAGE_KEY = 'product-importer.active-imports';
const MAX_JOBS = 8;
const listeners = new Set<() => void>();
let cache: { raw: string | null; jobs: ActiveJob[] } = { raw: null, jobs: [] };

function read(): ActiveJob[] {
  let raw: string | null = null;
  try {
    raw = window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return cache.jobs; // storage disabled: keep them for this page's life only
  }
  if (raw === cache.raw) return cache.jobs;
  let jobs: ActiveJob[] = [];
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    if (Array.isArray(parsed)) {
      jobs = parsed.filter(
        (j): j is ActiveJob => !!j && typeof j === 'object' && typeof (j as ActiveJob).id === 'string',
      );
    }
  } catch {
    jobs = [];
  }
  cache = { raw, jobs };
  return jobs;
}

function write(jobs: ActiveJob[]): void {
  const raw = JSON.stringify(jobs);
  cache = { raw, jobs };
  try {
    window.localStorage.setItem(STORAGE_KEY, raw);
  } catch {
    // storage full or disabled: the in-memory list still works
  }
  listeners.forEach((listener) => listener());
}

export function getActiveJobs(): ActiveJob[] {
  return read();
}

export function rememberJob(id: string, filename: string): void {
  const rest = read().filter((job) => job.id !== id);
  write([{ id, filename, addedAt: new Date().toISOString() }, ...rest].slice(0, MAX_JOBS));
}

export function forgetJob(id: string): void {
  write(read().filter((job) => job.id !== id));
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (event: StorageEvent) => {
    if (event.key === STORAGE_KEY) listener(); // another tab changed the list
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

export function useActiveJobs(): ActiveJob[] {
  return useSyncExternalStore(subscribe, read, () => []);
}
