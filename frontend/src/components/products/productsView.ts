/**
 * What the Products screen shows (filters, sort, page), kept in the URL query string so that
 * reloading, sharing a link and the back button all give the same list.
 */
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import type { ProductListQuery, ProductSort, SortOrder } from '../../api/catalogClient';

export type ActiveFilter = 'all' | 'true' | 'false';
export type TextFilter = 'sku' | 'name' | 'description';

export interface ProductsView {
  sku: string;
  name: string;
  description: string;
  active: ActiveFilter;
  sort: ProductSort;
  order: SortOrder;
  page: number;
  limit: number;
}

export const PAGE_SIZES = [10, 25, 50, 100, 200] as const;
export const SORTS: readonly ProductSort[] = ['sku', 'name', 'created_at', 'updated_at'];
/** The API's page limit (page <= 1,000,000). */
const MAX_PAGE = 1_000_000;

export const DEFAULT_VIEW: ProductsView = {
  sku: '',
  name: '',
  description: '',
  active: 'all',
  sort: 'created_at',
  order: 'desc',
  page: 1,
  limit: 50,
};

/** Text sorts start A→Z, time sorts start with the newest. */
export const FIRST_ORDER: Record<ProductSort, SortOrder> = {
  sku: 'asc',
  name: 'asc',
  created_at: 'desc',
  updated_at: 'desc',
};

export function parseView(params: URLSearchParams): ProductsView {
  const sort = params.get('sort') as ProductSort | null;
  const order = params.get('order');
  const active = params.get('active');
  const page = Number.parseInt(params.get('page') ?? '', 10);
  const limit = Number.parseInt(params.get('limit') ?? '', 10);
  return {
    sku: params.get('sku') ?? '',
    name: params.get('name') ?? '',
    description: params.get('description') ?? '',
    active: active === 'true' || active === 'false' ? active : 'all',
    sort: sort && SORTS.includes(sort) ? sort : DEFAULT_VIEW.sort,
    order: order === 'asc' || order === 'desc' ? order : DEFAULT_VIEW.order,
    page: page >= 1 ? Math.min(page, MAX_PAGE) : 1,
    limit: limit >= 1 && limit <= 200 ? limit : DEFAULT_VIEW.limit,
  };
}

/** Only what differs from the defaults goes into the URL. */
export function viewParams(view: ProductsView): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of Object.keys(DEFAULT_VIEW) as (keyof ProductsView)[]) {
    if (view[key] !== DEFAULT_VIEW[key]) params.set(key, String(view[key]));
  }
  return params;
}

export function hasFilters(view: ProductsView): boolean {
  return view.sku !== '' || view.name !== '' || view.description !== '' || view.active !== 'all';
}

export function listQuery(view: ProductsView): ProductListQuery {
  return {
    ...(view.sku ? { sku: view.sku } : {}),
    ...(view.name ? { name: view.name } : {}),
    ...(view.description ? { description: view.description } : {}),
    ...(view.active !== 'all' ? { active: view.active === 'true' } : {}),
    sort: view.sort,
    order: view.order,
    limit: view.limit,
    page: view.page,
  };
}

/**
 * The view and a function to change it. Any change but the page itself goes back to page 1
 * (page 7 of another filter means nothing). Each change is a history entry, except text
 * typed into the filters (`replace`), so that Back does not replay every search typed.
 */
export function useProductsView(): [ProductsView, (changes: Partial<ProductsView>, options?: { replace?: boolean }) => void] {
  const [params, setParams] = useSearchParams();
  const view = useMemo(() => parseView(params), [params]);
  const update = useCallback(
    (changes: Partial<ProductsView>, options?: { replace?: boolean }) => {
      setParams(
        (current) => {
          const next = { ...parseView(current), ...changes };
          if (!('page' in changes)) next.page = 1;
          return viewParams(next);
        },
        { replace: options?.replace },
      );
    },
    [setParams],
  );
  return [view, update];
}
