/**
 * Live progress over Server-Sent Events (the progress service, through the edge).
 *
 * Snapshots are kept in the TanStack Query cache (keys below), so every screen reading a job
 * sees the same latest snapshot, and coming back to a screen shows the last known state at
 * once while the stream reconnects.
 */
import { skipToken, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { dashboardProgressUrl, jobProgressUrl } from './client';
import type { DashboardSnapshot, ProgressSnapshot } from './types';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended';

export const progressKey = (jobId: string) => ['progress', 'job', jobId] as const;
export const dashboardKey = ['progress', 'dashboard'] as const;

/** The later of two snapshots of one job: a terminal one is never replaced by a running one. */
export function newer(
  current: ProgressSnapshot | null | undefined,
  incoming: ProgressSnapshot | null | undefined,
): ProgressSnapshot | null {
  if (!incoming) return current ?? null;
  if (!current) return incoming;
  if (current.terminal && !incoming.terminal) return current;
  if (current.updated_at && incoming.updated_at && incoming.updated_at < current.updated_at) return current;
  return incoming;
}

interface StreamHandlers {
  onEvent: (type: string, data: unknown) => void;
  onState: (state: StreamState) => void;
  /** Asked when the connection is closed for good (an HTTP error, a 204, the server gone). */
  shouldReconnect: () => boolean;
}

/**
 * Opens an EventSource on `url` and keeps it open: the browser reconnects by itself after a
 * dropped connection; when it gives up (an HTTP error such as 503 from the edge), this
 * reconnects with back-off, resuming after the last event id it saw. Returns `close`.
 */
export function openStream(url: string, handlers: StreamHandlers): () => void {
  let source: EventSource | null = null;
  let lastId: string | null = null;
  let attempt = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const handle = (event: MessageEvent<string>) => {
    if (event.lastEventId) lastId = event.lastEventId;
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      return; // not JSON: not ours
    }
    handlers.onEvent(event.type, data);
  };

  const connect = () => {
    if (stopped) return;
    const target = lastId ? `${url}${url.includes('?') ? '&' : '?'}last_event_id=${encodeURIComponent(lastId)}` : url;
    const es = new EventSource(target);
    source = es;
    handlers.onState(attempt > 0 ? 'reconnecting' : 'connecting');
    es.onopen = () => {
      attempt = 0;
      handlers.onState('live');
    };
    es.addEventListener('snapshot', handle as EventListener);
    es.addEventListener('progress', handle as EventListener);
    es.onerror = () => {
      if (stopped) return;
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        if (!handlers.shouldReconnect()) {
          handlers.onState('ended');
          return;
        }
        attempt += 1;
        handlers.onState('reconnecting');
        timer = setTimeout(connect, Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)));
      } else {
        handlers.onState('reconnecting'); // the browser retries on its own
      }
    };
  };

  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}

/** One job's live snapshot (GET /api/progress/imports/{id}); the stream closes at the terminal snapshot. */
export function useJobProgress(jobId: string): { snapshot: ProgressSnapshot | null; stream: StreamState } {
  const queryClient = useQueryClient();
  const { data } = useQuery<ProgressSnapshot | null>({
    queryKey: progressKey(jobId),
    queryFn: skipToken, // filled by the stream below
    staleTime: Infinity,
    gcTime: 30 * 60_000,
  });
  const [stream, setStream] = useState<StreamState>('connecting');

  useEffect(() => {
    const key = progressKey(jobId);
    const terminal = () => queryClient.getQueryData<ProgressSnapshot | null>(key)?.terminal === true;
    const close = openStream(jobProgressUrl(jobId), {
      onEvent: (_type, payload) => {
        const snapshot = payload as ProgressSnapshot;
        if (!snapshot || snapshot.job_id !== jobId) return;
        queryClient.setQueryData<ProgressSnapshot | null>(key, (current) => newer(current, snapshot));
        if (snapshot.terminal) {
          close();
          setStream('ended');
        }
      },
      onState: setStream,
      shouldReconnect: () => !terminal(),
    });
    return close;
  }, [jobId, queryClient]);

  return { snapshot: data ?? null, stream };
}

/**
 * Every recent job, live (GET /api/progress/imports): the first event lists the most recently
 * changed jobs, then one event per change of any job; merged by job_id.
 */
export function useDashboardProgress(limit = 50): { jobs: Record<string, ProgressSnapshot>; stream: StreamState } {
  const queryClient = useQueryClient();
  const { data } = useQuery<Record<string, ProgressSnapshot>>({
    queryKey: dashboardKey,
    queryFn: skipToken,
    staleTime: Infinity,
    gcTime: 30 * 60_000,
  });
  const [stream, setStream] = useState<StreamState>('connecting');

  useEffect(() => {
    const merge = (snapshots: ProgressSnapshot[]) => {
      queryClient.setQueryData<Record<string, ProgressSnapshot>>(dashboardKey, (current) => {
        const next = { ...(current ?? {}) };
        for (const snapshot of snapshots) {
          if (!snapshot?.job_id) continue;
          const merged = newer(next[snapshot.job_id], snapshot);
          if (merged) next[snapshot.job_id] = merged;
        }
        return next;
      });
      for (const snapshot of snapshots) {
        if (!snapshot?.job_id) continue;
        queryClient.setQueryData<ProgressSnapshot | null>(progressKey(snapshot.job_id), (current) =>
          current === undefined ? current : newer(current, snapshot),
        );
      }
    };
    return openStream(dashboardProgressUrl(limit), {
      onEvent: (type, payload) => {
        if (type === 'snapshot') merge((payload as DashboardSnapshot)?.jobs ?? []);
        else merge([payload as ProgressSnapshot]);
      },
      onState: setStream,
      shouldReconnect: () => true, // this stream never ends by itself
    });
  }, [limit, queryClient]);

  return { jobs: data ?? {}, stream };
}
