import { Notifications } from '@mantine/notifications';
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEventLib from '@testing-library/user-event';
import { useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, fakeCatalog, historyEntry, json, page, product } from '../test/catalogFakes';
import { me, renderWithProviders } from '../test/utils';
import type { Me } from '../api/accountsClient';
import { ProductsPage, pageCount, totalText } from './ProductsPage';

// No delay between keystrokes, and room for a slow shared machine: these tests type and open modals.
const userEvent = userEventLib.setup({ delay: null });
const SLOW = { timeout: 20_000 };
configure({ asyncUtilTimeout: 4000 });

function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{location.search}</output>;
}

/** The rows have come (the table shows skeleton rows before). */
const loaded = (sku = 'KET-001') => screen.findByText(sku);

/** The live region with the count. */
const countStatus = () => screen.getByRole('status', { name: 'Products found' });

function renderPage(route = '/products', as: Me = me('admin')) {
  return renderWithProviders(
    <>
      <Notifications />
      <ProductsPage />
      <LocationProbe />
    </>,
    { route, as },
  );
}

const kettle = product();
const toaster = product({ id: 43, sku: 'TOA-002', name: 'Toaster', description: null, price: null, active: false });

describe('ProductsPage', SLOW, () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lists the products with the total and asks for the first page', async () => {
    const api = fakeCatalog({ 'GET /products': () => json(page([kettle, toaster], { total: 120 })) });
    renderPage();

    await loaded();
    const table = screen.getByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByText('KET-001')).toBeInTheDocument();
    expect(within(rows[0]).getByText('Steel kettle 1.7 l')).toBeInTheDocument();
    expect(within(rows[0]).getByText('39.90')).toBeInTheDocument();
    expect(within(rows[0]).getByText('Active')).toBeInTheDocument();
    expect(within(rows[1]).getByText('Inactive')).toBeInTheDocument();
    expect(countStatus()).toHaveTextContent('120 products');
    expect(countStatus()).toHaveTextContent('page 1 of 3');
    expect(api.calls[0].url.search).toBe('?sort=created_at&order=desc&limit=50&page=1');
    expect(screen.getByRole('columnheader', { name: 'Created' })).toHaveAttribute('aria-sort', 'descending');
    expect(screen.getByRole('columnheader', { name: 'SKU' })).toHaveAttribute('aria-sort', 'none');
  });

  it('moves to the new last page when the list shrank under the one shown', async () => {
    // 50 per page: 101 products made 3 pages; the only product of page 3 is gone, 100 are left.
    const api = fakeCatalog({
      'GET /products': ({ url }) =>
        url.searchParams.get('page') === '3' ? json(page([], { total: 100, offset: 100 })) : json(page([kettle], { total: 100, offset: 50 })),
    });
    renderPage('/products?page=3');
    await loaded();
    expect(screen.getByTestId('location')).toHaveTextContent('?page=2');
    expect(api.calls.map((c) => c.url.searchParams.get('page'))).toEqual(['3', '2']);
    expect(screen.queryByText(/past the end of the list/)).not.toBeInTheDocument();
  });

  it('says "about" when the total is an estimate', async () => {
    fakeCatalog({ 'GET /products': () => json(page([kettle], { total: 500_000, total_is_estimate: true })) });
    renderPage();
    await loaded();
    expect(countStatus()).toHaveTextContent(/about 500,000 products/);
    expect(countStatus()).toHaveTextContent(/page 1 of about 10,000/);
  });

  it('sends a typed filter to the API (debounced) and keeps it in the URL', async () => {
    const api = fakeCatalog({ 'GET /products': () => json(page([kettle])) });
    renderPage('/products?page=2');
    await loaded();

    await userEvent.type(screen.getByRole('textbox', { name: 'SKU' }), 'ket');
    await waitFor(() => expect(api.calls.at(-1)!.url.searchParams.get('sku')).toBe('ket'));
    // one request for the settled text, not one per keystroke; a new filter starts at page 1
    expect(api.calls.filter((c) => c.url.searchParams.has('sku'))).toHaveLength(1);
    expect(api.calls.at(-1)!.url.searchParams.get('page')).toBe('1');
    expect(screen.getByTestId('location')).toHaveTextContent('?sku=ket');

    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'false');
    await waitFor(() => expect(api.calls.at(-1)!.url.searchParams.get('active')).toBe('false'));
    expect(screen.getByTestId('location')).toHaveTextContent('?sku=ket&active=false');
  });

  it('sorts by a column header, both ways', async () => {
    const api = fakeCatalog({ 'GET /products': () => json(page([kettle])) });
    renderPage();
    await loaded();

    await userEvent.click(screen.getByRole('button', { name: 'SKU' }));
    await waitFor(() => expect(api.calls.at(-1)!.url.search).toContain('sort=sku&order=asc'));
    expect(screen.getByRole('columnheader', { name: 'SKU' })).toHaveAttribute('aria-sort', 'ascending');
    await userEvent.click(screen.getByRole('button', { name: 'SKU' }));
    await waitFor(() => expect(api.calls.at(-1)!.url.search).toContain('sort=sku&order=desc'));
    expect(screen.getByRole('columnheader', { name: 'SKU' })).toHaveAttribute('aria-sort', 'descending');
  });

  it('reads filters, sort and page from the URL', async () => {
    const api = fakeCatalog({ 'GET /products': () => json(page([kettle], { total: 400, limit: 100, offset: 200 })) });
    renderPage('/products?name=kettle&sort=name&order=asc&page=3&limit=100');
    await loaded();
    const params = api.calls[0].url.searchParams;
    expect(Object.fromEntries(params)).toEqual({ name: 'kettle', sort: 'name', order: 'asc', limit: '100', page: '3' });
    expect(screen.getByRole('textbox', { name: 'Name' })).toHaveValue('kettle');
    expect(screen.getByRole('button', { name: 'Page 3' })).toHaveAttribute('aria-current', 'page');
  });

  it('points to the Import screen when the catalog is empty', async () => {
    fakeCatalog({ 'GET /products': () => json(page([])) });
    renderPage();
    expect(await screen.findByText('No products yet')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Import a file' })).toHaveAttribute('href', '/');
  });

  it('says when nothing matches the filters and clears them', async () => {
    const api = fakeCatalog({
      'GET /products': ({ url }) => json(url.searchParams.has('sku') ? page([]) : page([kettle])),
    });
    renderPage('/products?sku=zzz');
    expect(await screen.findByText('No products match these filters')).toBeInTheDocument();
    await userEvent.click(screen.getAllByRole('button', { name: 'Clear filters' }).at(-1)!);
    await loaded();
    expect(api.calls.at(-1)!.url.searchParams.has('sku')).toBe(false);
    expect(screen.getByRole('textbox', { name: 'SKU' })).toHaveValue('');
  });

  it('shows the error with a retry', async () => {
    let fail = true;
    fakeCatalog({
      'GET /products': () => (fail ? apiError(503, 'unavailable', 'The catalog is unavailable.') : json(page([kettle]))),
    });
    renderPage();
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('The catalog is unavailable.')).toBeInTheDocument();
    fail = false;
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await loaded()).toBeInTheDocument();
  });

  it('deletes a product after confirmation', async () => {
    let items = [kettle, toaster];
    const api = fakeCatalog({
      'GET /products': () => json(page(items)),
      'DELETE /products/\\d+': () => {
        items = [toaster];
        return new Response(null, { status: 204 });
      },
    });
    renderPage();
    await loaded();

    await userEvent.click(screen.getByRole('button', { name: 'Delete KET-001' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete this product?' });
    expect(api.find('DELETE', '/products/42')).toHaveLength(0); // not before confirming
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete product' }));

    await waitFor(() => expect(api.find('DELETE', '/products/42')).toHaveLength(1));
    expect(await screen.findByText('Product deleted')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText('Steel kettle 1.7 l')).not.toBeInTheDocument()); // the list was refetched
  });

  it('enables the bulk delete only once DELETE is typed, and reports the count', async () => {
    const api = fakeCatalog({
      'GET /products': ({ url }) => json(page([kettle], { total: url.searchParams.get('limit') === '1' ? 1234 : 1 })),
      'DELETE /products': () => json({ deleted: 1234 }),
    });
    renderPage('/products?sku=KET');
    await loaded();

    await userEvent.click(screen.getByRole('button', { name: 'Delete all…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete all products?' });
    expect(within(dialog).getByText('This cannot be undone')).toBeInTheDocument();
    // the whole catalog, not what the filter shows
    expect(await within(dialog).findByText('1,234 products')).toBeInTheDocument();
    const button = within(dialog).getByRole('button', { name: /^Delete 1,234 products/ });
    expect(button).toBeDisabled();

    const input = within(dialog).getByRole('textbox', { name: 'Type DELETE to confirm' });
    await userEvent.type(input, 'delete');
    expect(button).toBeDisabled();
    await userEvent.clear(input);
    await userEvent.type(input, 'DELETE');
    expect(button).toBeEnabled();
    await userEvent.click(button);

    await waitFor(() => expect(api.find('DELETE', '/products')).toHaveLength(1));
    expect(api.find('DELETE', '/products')[0].url.search).toBe('?confirm=true');
    expect(await screen.findByText('1,234 products deleted.')).toBeInTheDocument();
  });

  it("shows a product's history with its sources", async () => {
    const jobId = '0b9a6f1e-5a3c-4f0e-9d2b-2f5d7c1e8a10';
    fakeCatalog({
      'GET /products': () => json(page([kettle])),
      'GET /products/42/history': () =>
        json({
          items: [
            historyEntry(),
            historyEntry({
              id: 3,
              action: 'created',
              changes: { sku: 'KET-001', name: 'Steel kettle 1.7 l', price: 39.9, active: true },
              source: 'import',
              job_id: jobId,
              row_no: 17,
              at: '2026-11-23T10:00:00+00:00',
            }),
          ],
          limit: 50,
          offset: 0,
        }),
    });
    renderPage();
    await loaded();
    await userEvent.click(screen.getByRole('button', { name: 'History of KET-001' }));

    const drawer = await screen.findByRole('dialog', { name: 'History of KET-001' });
    const list = await within(drawer).findByRole('list', { name: 'Changes of KET-001' });
    const cards = within(list)
      .getAllByRole('listitem')
      .filter((li) => li.parentElement === list);
    expect(cards).toHaveLength(2);
    expect(within(cards[0]).getByText('Updated')).toBeInTheDocument();
    expect(within(cards[0]).getByText('API')).toBeInTheDocument();
    expect(cards[0]).toHaveTextContent('Price: 39.9 → changed to 34.9');
    expect(within(cards[1]).getByText('Created')).toBeInTheDocument();
    expect(within(cards[1]).getByRole('link', { name: 'Import 0b9a6f1e, row 17' })).toHaveAttribute('href', `/imports#job-${jobId}`);
  });

  it('names who made each change: a person, a key, and who started an import', async () => {
    const jobId = '0b9a6f1e-5a3c-4f0e-9d2b-2f5d7c1e8a10';
    fakeCatalog({
      'GET /products': () => json(page([kettle])),
      'GET /products/42/history': () =>
        json({
          items: [
            historyEntry({ id: 9, actor: 'user:ops@example.com' }),
            historyEntry({ id: 8, actor: 'key:ci-nightly' }),
            historyEntry({ id: 3, action: 'created', source: 'import', job_id: jobId, row_no: 2, actor: 'user:ed@example.com' }),
          ],
          limit: 50,
          offset: 0,
        }),
    });
    renderPage();
    await loaded();
    await userEvent.click(screen.getByRole('button', { name: 'History of KET-001' }));
    const list = await within(await screen.findByRole('dialog')).findByRole('list', { name: 'Changes of KET-001' });
    const cards = within(list)
      .getAllByRole('listitem')
      .filter((li) => li.parentElement === list);
    expect(cards[0]).toHaveTextContent(/by\s*ops@example\.com/);
    expect(cards[1]).toHaveTextContent(/by\s*key ci-nightly/);
    expect(cards[2]).toHaveTextContent(/by\s*ed@example\.com\s*via\s*Import 0b9a6f1e, row 2/);
    expect(within(cards[2]).getByRole('link', { name: 'Import 0b9a6f1e, row 2' })).toHaveAttribute('href', `/imports#job-${jobId}`);
  });
});

describe('ProductsPage for the roles below admin', SLOW, () => {
  afterEach(() => vi.unstubAllGlobals());

  /** A control refused with its reason: focusable, aria-disabled, described by the reason. */
  function expectRefused(element: HTMLElement, reason: string | RegExp) {
    expect(element).toHaveAttribute('aria-disabled', 'true');
    expect(element).not.toBeDisabled();
    expect(element).toHaveAccessibleDescription(reason);
  }

  it('lets a viewer read, and says why they cannot create, edit, delete or export', async () => {
    const api = fakeCatalog({ 'GET /products': () => json(page([kettle])) });
    renderPage('/products', me('viewer'));
    await loaded();
    const reason = "Viewers can't create, edit or delete products. Ask an admin for the editor role.";
    expect(screen.getByText('Read only')).toBeInTheDocument();
    expectRefused(screen.getByRole('button', { name: 'New product' }), reason);
    expectRefused(screen.getByRole('button', { name: 'Edit KET-001' }), reason);
    expectRefused(screen.getByRole('button', { name: 'Delete KET-001' }), reason);
    expectRefused(screen.getByRole('button', { name: 'Delete all…' }), "Viewers can't delete every product. Only admins can.");
    expectRefused(screen.getByRole('button', { name: 'Export all as CSV' }), "Viewers can't export the catalog. Ask an admin for the editor role.");
    expect(screen.queryByRole('link', { name: /Export/ })).toBeNull();
    expect(screen.getByRole('button', { name: 'History of KET-001' })).not.toHaveAttribute('aria-disabled');

    await userEvent.click(screen.getByRole('button', { name: 'New product' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete KET-001' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api.calls.every((c) => c.method === 'GET')).toBe(true);
  });

  it('lets an editor create, edit and export, not delete everything', async () => {
    fakeCatalog({ 'GET /products': () => json(page([kettle])) });
    renderPage('/products', me('editor'));
    await loaded();
    expect(screen.queryByText('Read only')).toBeNull();
    expect(screen.getByRole('button', { name: 'New product' })).not.toHaveAttribute('aria-disabled');
    expect(screen.getByRole('button', { name: 'Edit KET-001' })).not.toHaveAttribute('aria-disabled');
    expect(screen.getByRole('link', { name: 'Export all as CSV' })).toBeInTheDocument();
    const deleteAll = screen.getByRole('button', { name: 'Delete all…' });
    expectRefused(deleteAll, "Editors can't delete every product. Only admins can.");
    await userEvent.click(deleteAll);
    expect(screen.queryByRole('dialog', { name: 'Delete all products?' })).toBeNull();
  });
});

describe('totalText and pageCount', () => {
  it('trusts an exact total', () => {
    const list = page([kettle], { total: 120, offset: 50, limit: 50, next_cursor: 'x' });
    expect(totalText(list)).toBe('120 products');
    expect(pageCount(list, 2, 50)).toBe(3);
  });

  it('says "about" for an estimate and "more than" when the estimate is below what was seen', () => {
    expect(totalText(page([kettle], { total: 500_000, total_is_estimate: true, next_cursor: 'x' }))).toBe('about 500,000 products');
    // a description filter: the planner guessed 50, but page 3 of 50 rows has a next page
    const low = page(Array(50).fill(kettle), { total: 50, total_is_estimate: true, offset: 100, next_cursor: 'x' });
    expect(totalText(low)).toBe('more than 150 products');
    expect(pageCount(low, 3, 50)).toBe(4);
  });
});
