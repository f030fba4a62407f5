import { act, screen, waitFor } from '@testing-library/react';
import userEventLib from '@testing-library/user-event';
import { useEffect } from 'react';
import { useLocation } from 'react-router';
import { describe, expect, it } from 'vitest';
import { renderWithProviders } from '../../test/utils';
import { FILTER_DEBOUNCE_MS, ProductFilters } from './ProductFilters';
import { hasFilters, useProductsView } from './productsView';

const userEvent = userEventLib.setup({ delay: null });

/** The filters on the real URL state, recording every query string the location goes through. */
function Harness({ seen }: { seen: string[] }) {
  const [view, update] = useProductsView();
  const { search } = useLocation();
  useEffect(() => {
    seen.push(search);
  }, [search, seen]);
  return (
    <ProductFilters
      view={view}
      onChange={update}
      onClear={() => update({ sku: '', name: '', description: '', active: 'all' })}
      filtered={hasFilters(view)}
    />
  );
}

describe('ProductFilters', () => {
  it('"Clear filters" stays cleared: the typed text is not written back', async () => {
    const seen: string[] = [];
    renderWithProviders(<Harness seen={seen} />, { route: '/products' });
    await userEvent.type(screen.getByRole('textbox', { name: 'Description' }), 'mug');
    await waitFor(() => expect(seen.at(-1)).toBe('?description=mug'));

    const before = seen.length;
    await userEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    // Past the debounce, so that a late write would have happened.
    await act(() => new Promise((done) => setTimeout(done, FILTER_DEBOUNCE_MS + 100)));
    expect(seen.slice(before)).toEqual(['']);
    expect(screen.getByRole('textbox', { name: 'Description' })).toHaveValue('');
  });
});
