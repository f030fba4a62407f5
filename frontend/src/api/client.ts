/** HTTP calls to the services, through the edge's /api routes (same origin). */
import type { ApiErrorBody, ImportJob, ImportJobPage, ImportListQuery } from './types';

export const API_BASE = '/api';

/** A failed request: the HTTP status and, when the service sent one, its JSON error body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: ApiErrorBody['error'] | null;

  constructor(status: number, body: ApiErrorBody['error'] | null, fallback: string) {
    super(body?.message ?? fallback);
    this.name = 'ApiError';
    this.status = status;
    this.code = body?.code ?? (status === 0 ? 'network_error' : `http_${status}`);
    this.body = body;
  }
}

function parseErrorBody(text: string): ApiErrorBody['error'] | null {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && 'error' in parsed) {
      const error = (parsed as ApiErrorBody).error;
      if (error && typeof error === 'object' && typeof error.message === 'string') return error;
    }
    if (parsed && typeof parsed === 'object' && 'detail' in parsed) {
      // nginx's own JSON answers (service unavailable, unknown route): {"detail": "..."}
      const detail = (parsed as { detail: unknown }).detail;
      if (typeof detail === 'string') return { status: 0, code: 'edge_error', message: detail };
    }
  } catch {
    // not JSON (an HTML error page, say): the caller falls back to the status text
  }
  return null;
}

function statusText(status: number): string {
  if (status === 0) return 'The server could not be reached. Check your connection and try again.';
  if (status === 502 || status === 503 || status === 504) return 'The service is unavailable right now. Try again in a moment.';
  return `The request failed (HTTP ${status}).`;
}

/**
 * Answers that no screen can deal with by itself: the session is gone (401, whatever the call) or
 * the password is a temporary one (403 password_change_required). The session layer
 * (auth/SessionGate.tsx) listens and shows the sign-in page or the change-password screen.
 * A wrong password at sign-in (401 invalid_credentials) is the sign-in form's own business.
 */
export function isSessionFailure(error: ApiError): boolean {
  if (error.status === 401) return error.code !== 'invalid_credentials';
  return error.status === 403 && error.code === 'password_change_required';
}

const sessionListeners = new Set<(error: ApiError) => void>();

/** Be told of every session failure (see isSessionFailure); returns the unsubscribe. */
export function onSessionFailure(listener: (error: ApiError) => void): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

/** The error of a failed answer; every REST call of the dashboard makes its errors here. */
export function errorFromResponse(status: number, text: string): ApiError {
  const error = new ApiError(status, parseErrorBody(text), statusText(status));
  if (isSessionFailure(error)) sessionListeners.forEach((listener) => listener(error));
  return error;
}

export async function requestJson<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      ...init,
      // Every JSON body says so: the services refuse any other type (415).
      headers: {
        Accept: 'application/json',
        ...(typeof init?.body === 'string' ? { 'Content-Type': 'application/json' } : {}),
        ...(init?.headers ?? {}),
      },
    });
  } catch {
    throw new ApiError(0, null, statusText(0));
  }
  const text = await response.text();
  if (!response.ok) throw errorFromResponse(response.status, text);
  return (text ? JSON.parse(text) : null) as T;
}

export function listImports(query: ImportListQuery = {}): Promise<ImportJobPage> {
  const params = new URLSearchParams();
  if (query.limit != null) params.set('limit', String(query.limit));
  if (query.offset != null) params.set('offset', String(query.offset));
  if (query.status) params.set('status', query.status);
  const qs = params.toString();
  return requestJson<ImportJobPage>(`/imports${qs ? `?${qs}` : ''}`);
}

export function getImport(jobId: string): Promise<ImportJob> {
  return requestJson<ImportJob>(`/imports/${encodeURIComponent(jobId)}`);
}

export function cancelImport(jobId: string): Promise<ImportJob> {
  return requestJson<ImportJob>(`/imports/${encodeURIComponent(jobId)}/cancel`, { method: 'POST' });
}

export function retryImport(jobId: string): Promise<ImportJob> {
  return requestJson<ImportJob>(`/imports/${encodeURIComponent(jobId)}/retry`, { method: 'POST' });
}

/** The error report (CSV: row, column, value, reason); a plain link downloads it. */
export function errorReportUrl(jobId: string): string {
  return `${API_BASE}/imports/${encodeURIComponent(jobId)}/errors`;
}

export function jobProgressUrl(jobId: string): string {
  return `${API_BASE}/progress/imports/${encodeURIComponent(jobId)}`;
}

export function dashboardProgressUrl(limit = 50): string {
  return `${API_BASE}/progress/imports?limit=${limit}`;
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadHandle {
  promise: Promise<ImportJob>;
  abort: () => void;
}

/** The upload was stopped by the user (abort()). */
export class UploadAborted extends Error {
  constructor() {
    super('Upload cancelled.');
    this.name = 'UploadAborted';
  }
}

/**
 * POST /api/imports with the file in the multipart field `file`. XMLHttpRequest, not fetch:
 * only XHR reports how many bytes of the request body have been sent.
 */
export function uploadImport(file: File, onProgress?: (p: UploadProgress) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<ImportJob>((resolve, reject) => {
    xhr.open('POST', `${API_BASE}/imports`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (event) => {
      onProgress?.({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as ImportJob);
        } catch {
          reject(new ApiError(xhr.status, null, 'The server answered with something that is not a job.'));
        }
      } else {
        reject(errorFromResponse(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, null, statusText(0)));
    xhr.onabort = () => reject(new UploadAborted());
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
