import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeEventSource, renderWithProviders, snapshot } from '../test/utils';
import { JobProgressPanel } from './JobProgressPanel';

const JOB = '11111111-2222-3333-4444-555555555555';

describe('JobProgressPanel', () => {
  beforeEach(() => FakeEventSource.install());
  afterEach(() => vi.unstubAllGlobals());

  it('renders a running snapshot: stage, bar, rows, rate, ETA and counts', async () => {
    renderWithProviders(<JobProgressPanel jobId={JOB} filename="products.csv" />);
    const es = FakeEventSource.find(`/api/progress/imports/${JOB}`);
    act(() => {
      es.open();
      es.emit(
        'snapshot',
        snapshot({
          status: 'importing',
          stage: 'importing',
          rows_total: 500_000,
          rows_to_import: 480_000,
          rows_processed: 120_000,
          inserted: 100_000,
          updated: 20_000,
          invalid: 12,
          duplicates: 19_988,
          percent: 25,
          rate: 15_000.4,
          eta_seconds: 24,
        }),
        '1700000000000-0',
      );
    });

    await screen.findByText('Importing');
    const card = screen.getByRole('article', { name: 'products.csv' });
    expect(within(card).getByText('Importing')).toBeInTheDocument();
    const bar = within(card).getByRole('progressbar', { name: 'products.csv progress' });
    expect(bar).toHaveAttribute('aria-valuenow', '25');
    expect(bar).toHaveAttribute('aria-valuemin', '0');
    expect(bar).toHaveAttribute('aria-valuemax', '100');
    expect(bar).toHaveAttribute('aria-valuetext', 'Importing: 25%');
    expect(within(card).getByText('25%')).toBeInTheDocument();
    expect(within(card).getByText(`${(120000).toLocaleString()} of ${(480000).toLocaleString()} rows imported`)).toBeInTheDocument();
    expect(within(card).getByText(`${(15000).toLocaleString()} rows/s`)).toBeInTheDocument();
    expect(within(card).getByText('24 s')).toBeInTheDocument();
    expect(within(card).getByText((100000).toLocaleString())).toBeInTheDocument(); // inserted
    expect(within(card).getByText((20000).toLocaleString())).toBeInTheDocument(); // updated
    expect(within(card).getByText('12')).toBeInTheDocument(); // invalid
    expect(within(card).getByRole('button', { name: 'Cancel import' })).toBeEnabled();
    expect(within(card).getByRole('link', { name: /Download error report/ })).toHaveAttribute(
      'href',
      `/api/imports/${JOB}/errors`,
    );
    // the stage is announced politely
    expect(within(card).getByRole('status')).toHaveTextContent('products.csv: Importing.');
    expect(es.readyState).not.toBe(FakeEventSource.CLOSED);
  });

  it('closes the stream at the terminal snapshot and offers retry after a failure', async () => {
    const fetchMock = vi.fn().mockResolvedValue(
      new Response(JSON.stringify({ id: 'new-job', filename: 'products.csv', status: 'queued' }), { status: 202 }),
    );
    vi.stubGlobal('fetch', fetchMock);
    const onRetried = vi.fn();
    renderWithProviders(<JobProgressPanel jobId={JOB} filename="products.csv" onRetried={onRetried} />);
    const es = FakeEventSource.find(JOB);
    act(() =>
      es.emit(
        'progress',
        snapshot({
          status: 'failed',
          stage: 'parsing',
          terminal: true,
          percent: 40,
          error: { code: 'malformed_csv', message: 'A quoted field is never closed (row 7).' },
        }),
      ),
    );
    expect(es.readyState).toBe(FakeEventSource.CLOSED);
    expect(await screen.findByText('A quoted field is never closed (row 7).')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('products.csv: Failed. A quoted field is never closed (row 7).');
    expect(screen.queryByRole('button', { name: 'Cancel import' })).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(fetchMock).toHaveBeenCalledWith(`/api/imports/${JOB}/retry`, expect.objectContaining({ method: 'POST' }));
    await vi.waitFor(() => expect(onRetried).toHaveBeenCalledWith(expect.objectContaining({ id: 'new-job' })));
  });

  it('asks before cancelling, then posts the cancel', async () => {
    const fetchMock = vi.fn().mockResolvedValue(new Response(JSON.stringify({ id: JOB, status: 'cancelled' }), { status: 202 }));
    vi.stubGlobal('fetch', fetchMock);
    renderWithProviders(<JobProgressPanel jobId={JOB} filename="products.csv" />);
    act(() => FakeEventSource.find(JOB).emit('snapshot', snapshot({ status: 'validating', stage: 'validating', percent: 10 })));

    await userEvent.click(await screen.findByRole('button', { name: 'Cancel import' }));
    const dialog = await screen.findByRole('dialog', { name: 'Cancel this import?' });
    expect(fetchMock).not.toHaveBeenCalled();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel import' }));
    expect(fetchMock).toHaveBeenCalledWith(`/api/imports/${JOB}/cancel`, expect.objectContaining({ method: 'POST' }));
  });
});
