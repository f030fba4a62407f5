import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImportJob } from '../api/types';
import { FakeEventSource, me, renderWithProviders, snapshot } from '../test/utils';
import { ImportPage } from './ImportPage';
import { ImportsPage } from './ImportsPage';

function job(overrides: Partial<ImportJob>): ImportJob {
  return {
    id: 'job-1',
    filename: 'products.csv',
    status: 'completed',
    rows_total: 1000,
    rows_processed: 990,
    rows_to_import: 990,
    inserted: 900,
    updated: 90,
    invalid: 4,
    duplicates: 6,
    batches_total: 1,
    batches_done: 1,
    size_bytes: 12345,
    sha256: 'a'.repeat(64),
    encoding: 'utf-8',
    delimiter: ',',
    unknown_columns: [],
    created_at: '2026-11-23T10:00:00+00:00',
    started_at: '2026-11-23T10:00:01+00:00',
    finished_at: '2026-11-23T10:00:31+00:00',
    error: null,
    retry_of: null,
    cancel_requested: false,
    has_error_report: true,
    ...overrides,
  };
}

function answerList(items: ImportJob[], total = items.length) {
  const fetchMock = vi.fn().mockImplementation(async () =>
    new Response(JSON.stringify({ items, total, limit: 20, offset: 0 }), { status: 200 }),
  );
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

describe('ImportsPage', () => {
  beforeEach(() => FakeEventSource.install());
  afterEach(() => vi.unstubAllGlobals());

  it('lists the imports newest first with status and counts, and updates them live', async () => {
    const fetchMock = answerList([
      job({ id: 'job-2', filename: 'spring.csv', status: 'importing', inserted: 10, updated: 0, invalid: 0, duplicates: 0, finished_at: null, has_error_report: false }),
      job({ id: 'job-1', filename: 'winter.csv' }),
    ]);
    renderWithProviders(<ImportsPage />, { route: '/imports' });

    const table = await screen.findByRole('table');
    expect(fetchMock).toHaveBeenCalledWith('/api/imports?limit=20&offset=0', expect.anything());
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByText('spring.csv')).toBeInTheDocument();
    expect(within(rows[0]).getByText('Importing')).toBeInTheDocument();
    expect(within(rows[1]).getByText('winter.csv')).toBeInTheDocument();
    expect(within(rows[1]).getByText('Completed')).toBeInTheDocument();
    expect(within(rows[1]).getByText('900')).toBeInTheDocument();
    expect(within(rows[1]).getByRole('link', { name: /Errors/ })).toHaveAttribute('href', '/api/imports/job-1/errors');

    // the dashboard stream: a change of job-2, merged by job_id
    const es = FakeEventSource.find('/api/progress/imports?limit=50');
    act(() => {
      es.emit('snapshot', { jobs: [] }, '1-0');
      es.emit(
        'progress',
        snapshot({ job_id: 'job-2', filename: 'spring.csv', status: 'completed', terminal: true, percent: 100, rows_total: 50, inserted: 40, updated: 10, invalid: 0, duplicates: 0 }),
        '2-0',
      );
    });
    await waitFor(() => expect(within(within(table).getAllByRole('row')[1]).getByText('40')).toBeInTheDocument());
    expect(within(within(table).getAllByRole('row')[1]).getByText('Completed')).toBeInTheDocument();
    expect(within(table).getAllByRole('row')).toHaveLength(3); // merged, not added
  });

  it('shows a job started elsewhere at the top as soon as the stream reports it', async () => {
    answerList([job({ id: 'job-1', filename: 'winter.csv' })]);
    renderWithProviders(<ImportsPage />, { route: '/imports' });
    const table = await screen.findByRole('table');
    act(() =>
      FakeEventSource.find('/api/progress/imports?limit').emit(
        'progress',
        snapshot({ job_id: 'job-9', filename: 'new.csv', status: 'parsing', created_at: '2026-11-23T11:00:00+00:00' }),
      ),
    );
    await waitFor(() => expect(within(within(table).getAllByRole('row')[1]).getByText('new.csv')).toBeInTheDocument());
    const rows = within(table).getAllByRole('row').slice(1);
    expect(within(rows[0]).getByText('Parsing')).toBeInTheDocument();
  });

  it('has an empty state', async () => {
    answerList([]);
    renderWithProviders(<ImportsPage />, { route: '/imports' });
    expect(await screen.findByText('No imports yet')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Import a file' })).toHaveAttribute('href', '/');
  });

  it('has an error state with the API message', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn().mockResolvedValue(
        new Response(JSON.stringify({ error: { status: 500, code: 'internal_error', message: 'Something went wrong on our side.' } }), {
          status: 500,
        }),
      ),
    );
    renderWithProviders(<ImportsPage />, { route: '/imports' });
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Could not load the imports')).toBeInTheDocument();
    expect(within(alert).getByText('Something went wrong on our side.')).toBeInTheDocument();
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});

describe('who started an import', () => {
  beforeEach(() => FakeEventSource.install());
  afterEach(() => vi.unstubAllGlobals());

  it('names the person or key under the file name', async () => {
    answerList([
      job({ id: 'job-2', filename: 'nightly.csv', created_by: 'key:ci-nightly' }),
      job({ id: 'job-1', filename: 'winter.csv', created_by: 'user:ops@example.com' }),
      job({ id: 'job-0', filename: 'old.csv', created_by: null }),
    ]);
    renderWithProviders(<ImportsPage />, { route: '/imports' });
    const rows = within(await screen.findByRole('table')).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('by key ci-nightly');
    expect(rows[1]).toHaveTextContent('by ops@example.com');
    expect(rows[2]).not.toHaveTextContent(/by /);
  });
});

describe('importing as a viewer', () => {
  beforeEach(() => FakeEventSource.install());
  afterEach(() => vi.unstubAllGlobals());

  it('explains that viewers cannot import, with no drop area and no file picker', () => {
    renderWithProviders(<ImportPage />, { as: me('viewer') });
    expect(screen.getByRole('heading', { name: "You can't import files" })).toBeInTheDocument();
    expect(screen.getByText("Viewers can't import. Ask an admin for the editor role.")).toBeInTheDocument();
    expect(screen.queryByLabelText('CSV file to import')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Choose a file…' })).toBeNull();
  });

  it('refuses the history’s New import button with the reason', async () => {
    answerList([job({})]);
    renderWithProviders(<ImportsPage />, { route: '/imports', as: me('viewer') });
    const button = screen.getByRole('button', { name: 'New import' });
    expect(button).toHaveAttribute('aria-disabled', 'true');
    expect(button).toHaveAccessibleDescription("Viewers can't import. Ask an admin for the editor role.");
    await screen.findByRole('table');
  });

  it('lets an editor upload', () => {
    renderWithProviders(<ImportPage />, { as: me('editor') });
    expect(screen.getByLabelText('CSV file to import')).toBeInTheDocument();
  });
});
