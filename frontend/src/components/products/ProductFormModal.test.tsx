import { configure, screen, waitFor, within } from '@testing-library/react';
import userEventLib from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, fakeCatalog, json, product } from '../../test/catalogFakes';
import { renderWithProviders } from '../../test/utils';
import { ProductFormModal, changedFields } from './ProductFormModal';

// No delay between keystrokes, and room for a slow shared machine: these tests type and open modals.
const userEvent = userEventLib.setup({ delay: null });
const SLOW = { timeout: 20_000 };
configure({ asyncUtilTimeout: 4000 });

const kettle = product();

async function fillNew(dialog: HTMLElement, values: { sku: string; name: string; price?: string }) {
  await userEvent.type(within(dialog).getByRole('textbox', { name: /^SKU/ }), values.sku);
  await userEvent.type(within(dialog).getByRole('textbox', { name: /^Name/ }), values.name);
  if (values.price) await userEvent.type(within(dialog).getByRole('textbox', { name: /^Price/ }), values.price);
}

describe('ProductFormModal', SLOW, () => {
  afterEach(() => vi.unstubAllGlobals());

  it('creates a product', async () => {
    const onClose = vi.fn();
    const api = fakeCatalog({ 'POST /products': ({ body }) => json({ ...kettle, ...(body as object) }, 201, { ETag: 'W/"1"' }) });
    renderWithProviders(<ProductFormModal opened product={null} onClose={onClose} />);
    const dialog = await screen.findByRole('dialog', { name: 'New product' });
    await fillNew(dialog, { sku: ' KET-001 ', name: 'Steel kettle', price: '39.90' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create product' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(api.find('POST', '/products')[0].body).toEqual({
      sku: 'KET-001',
      name: 'Steel kettle',
      description: null,
      price: '39.90',
      active: true,
    });
  });

  it('checks the required fields before asking the API', async () => {
    const api = fakeCatalog({});
    renderWithProviders(<ProductFormModal opened product={null} onClose={() => {}} />);
    const dialog = await screen.findByRole('dialog', { name: 'New product' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create product' }));
    expect(within(dialog).getByRole('textbox', { name: /^SKU/ })).toHaveAccessibleDescription(/SKU is required/);
    expect(within(dialog).getByRole('textbox', { name: /^Name/ })).toHaveAttribute('aria-invalid', 'true');
    expect(api.calls).toHaveLength(0);
  });

  it("shows a 422's field errors at their fields", async () => {
    fakeCatalog({
      'POST /products': () =>
        apiError(422, 'validation_error', 'The request is not valid.', {
          fields: [{ field: 'price', message: 'Value error, price must have at most 4 decimal places', type: 'value_error' }],
        }),
    });
    renderWithProviders(<ProductFormModal opened product={null} onClose={() => {}} />);
    const dialog = await screen.findByRole('dialog', { name: 'New product' });
    await fillNew(dialog, { sku: 'KET-001', name: 'Kettle', price: '1.23456' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create product' }));

    const price = within(dialog).getByRole('textbox', { name: /^Price/ });
    await waitFor(() => expect(price).toHaveAttribute('aria-invalid', 'true'));
    expect(price).toHaveAccessibleDescription(/Price must have at most 4 decimal places/);
    expect(within(dialog).getByRole('textbox', { name: /^SKU/ })).not.toHaveAttribute('aria-invalid', 'true');
    await waitFor(() => expect(price).toHaveFocus());
  });

  it('shows a 409 (SKU exists) at the SKU field', async () => {
    fakeCatalog({
      'POST /products': () =>
        apiError(409, 'sku_exists', "A product with SKU 'ket-001' exists already (in some letter case).", { product_id: 41 }),
    });
    renderWithProviders(<ProductFormModal opened product={null} onClose={() => {}} />);
    const dialog = await screen.findByRole('dialog', { name: 'New product' });
    await fillNew(dialog, { sku: 'ket-001', name: 'Kettle' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create product' }));

    const sku = within(dialog).getByRole('textbox', { name: /^SKU/ });
    await waitFor(() => expect(sku).toHaveAttribute('aria-invalid', 'true'));
    expect(sku).toHaveAccessibleDescription(/A product with SKU 'ket-001' exists already/);
  });

  it('edits with PATCH of the changed fields only, and If-Match', async () => {
    const onClose = vi.fn();
    const api = fakeCatalog({
      'GET /products/42': () => json(kettle, 200, { ETag: 'W/"3"' }),
      'PATCH /products/42': ({ body }) => json({ ...kettle, ...(body as object) }, 200, { ETag: 'W/"4"' }),
    });
    renderWithProviders(<ProductFormModal opened product={kettle} onClose={onClose} />);
    const dialog = await screen.findByRole('dialog', { name: 'Edit KET-001' });
    const name = await within(dialog).findByRole('textbox', { name: /^Name/ });
    expect(name).toHaveValue('Steel kettle 1.7 l');
    await userEvent.clear(name);
    await userEvent.type(name, 'Black kettle');
    await userEvent.click(within(dialog).getByRole('switch', { name: /Active/ }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const [patch] = api.find('PATCH', '/products/42');
    expect(patch.body).toEqual({ name: 'Black kettle', active: false });
    expect(patch.headers['if-match']).toBe('W/"3"');
  });

  it('on 412 says someone else changed the product and reloads it', async () => {
    let version = 3;
    const api = fakeCatalog({
      'GET /products/42': () =>
        json(version === 3 ? kettle : { ...kettle, name: 'Changed elsewhere' }, 200, { ETag: `W/"${version}"` }),
      'PATCH /products/42': () => {
        version = 5;
        return apiError(412, 'version_mismatch', 'The product changed since you read it (current version 5).', {
          current_etag: 'W/"5"',
        });
      },
    });
    renderWithProviders(<ProductFormModal opened product={kettle} onClose={() => {}} />);
    const dialog = await screen.findByRole('dialog', { name: 'Edit KET-001' });
    const price = await within(dialog).findByRole('textbox', { name: /^Price/ });
    await userEvent.clear(price);
    await userEvent.type(price, '34.90');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save changes' }));

    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent('Someone else changed this product');
    await userEvent.click(within(alert).getByRole('button', { name: 'Reload the product' }));
    await waitFor(() => expect(within(dialog).getByRole('textbox', { name: /^Name/ })).toHaveValue('Changed elsewhere'));
    expect(within(dialog).queryByRole('alert')).not.toBeInTheDocument();
    expect(api.find('GET', '/products/42')).toHaveLength(2);
  });
});

describe('changedFields', () => {
  const values = { sku: 'KET-001', name: 'Steel kettle 1.7 l', description: 'Brushed steel, 2200 W.', price: '39.90', active: true };

  it('is empty when nothing changed, whatever the spelling of the price or the spaces', () => {
    expect(changedFields(kettle, { ...values, price: '39.9', name: ' Steel kettle 1.7 l ' })).toEqual({});
  });

  it('clears the description and the price with null', () => {
    expect(changedFields(kettle, { ...values, description: '  ', price: '' })).toEqual({ description: null, price: null });
  });
});
