import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, errorFromResponse } from '../api/client';
import { renderWithProviders } from '../test/utils';
import { UploadCard } from './UploadCard';
import { UploadErrorAlert, describeUploadError } from './UploadErrorAlert';

const body = (status: number, code: string, message: string, extra: object = {}) =>
  JSON.stringify({ error: { status, code, message, ...extra } });

describe('describeUploadError', () => {
  it('names the missing columns of a 422 missing_columns', () => {
    const text = describeUploadError(
      errorFromResponse(422, body(422, 'missing_columns', 'The header has no sku column.', { missing: ['sku'] })),
    );
    expect(text.title).toBe('Required columns are missing');
    expect(text.message).toBe('The header has no sku column.');
    expect(text.missing).toEqual(['sku']);
  });

  it('says a 413 is too large, with the limit', () => {
    const text = describeUploadError(
      errorFromResponse(413, body(413, 'too_large', 'The file is over the 1048576 byte limit.', { limit_bytes: 1048576 })),
    );
    expect(text.title).toBe('The file is too large');
    expect(text.message).toContain('1.0 MB');
  });

  it('says a 422 not_text is not CSV', () => {
    const text = describeUploadError(errorFromResponse(422, body(422, 'not_text', 'This is not a CSV text file.')));
    expect(text.title).toBe('This is not a CSV file');
    expect(text.message).toBe('This is not a CSV text file.');
  });

  it('copes with a body that is not the API JSON (an HTML 502 from a proxy)', () => {
    const text = describeUploadError(errorFromResponse(502, '<html>Bad gateway</html>'));
    expect(text.title).toBe('The server could not take the file');
    expect(text.message).toMatch(/unavailable/);
  });
});

describe('UploadErrorAlert', () => {
  it('shows the message and each missing column', () => {
    const error = new ApiError(
      422,
      { status: 422, code: 'missing_columns', message: 'Required columns are missing: sku, name.', missing: ['sku', 'name'] },
      'x',
    );
    renderWithProviders(<UploadErrorAlert error={error} />);
    const alert = screen.getByRole('alert');
    expect(within(alert).getByText('Required columns are missing')).toBeInTheDocument();
    expect(within(alert).getByText('Required columns are missing: sku, name.')).toBeInTheDocument();
    const list = within(alert).getByRole('list', { name: 'Missing columns' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'Missing column sku',
      'Missing column name',
    ]);
  });
});

/** XMLHttpRequest stand-in: answers every upload with the given status and body. */
function stubXhr(status: number, responseText: string) {
  class FakeXhr {
    status = 0;
    responseText = '';
    upload = { onprogress: null as ((e: ProgressEvent) => void) | null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    open = vi.fn();
    setRequestHeader = vi.fn();
    abort = vi.fn();
    send(form: FormData) {
      const file = form.get('file') as File;
      setTimeout(() => {
        this.upload.onprogress?.({ loaded: file.size, total: file.size, lengthComputable: true } as ProgressEvent);
        this.status = status;
        this.responseText = responseText;
        this.onload?.();
      }, 0);
    }
  }
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
}

describe('UploadCard', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows the API error of a rejected file and creates no job', async () => {
    stubXhr(422, body(422, 'missing_columns', 'The header row has no name column.', { missing: ['name'] }));
    const onUploaded = vi.fn();
    const { container } = renderWithProviders(<UploadCard onUploaded={onUploaded} />);
    const input = container.querySelector('input[type="file"]') as HTMLInputElement;
    await userEvent.upload(input, new File(['sku,title\nA-1,Thing\n'], 'products.csv', { type: 'text/csv' }));

    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Required columns are missing')).toBeInTheDocument();
    expect(within(alert).getByText('The header row has no name column.')).toBeInTheDocument();
    expect(within(alert).getByText('name')).toBeInTheDocument();
    expect(onUploaded).not.toHaveBeenCalled();
  });

  it('hands the created job over after a 202', async () => {
    const job = { id: 'abc', filename: 'products.csv', status: 'queued' };
    stubXhr(202, JSON.stringify(job));
    const onUploaded = vi.fn();
    const { container } = renderWithProviders(<UploadCard onUploaded={onUploaded} />);
    const input = container.querySelector('input[type="file"]') as HTMLInputElement;
    await userEvent.upload(input, new File(['sku,name\nA-1,Thing\n'], 'products.csv', { type: 'text/csv' }));
    await waitFor(() => expect(onUploaded).toHaveBeenCalledWith(job));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
