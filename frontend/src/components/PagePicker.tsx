import { Pagination, type PaginationProps } from '@mantine/core';

/** Mantine's Pagination with names for screen readers ("Previous page", "Page 3", ...). */
export function PagePicker(props: PaginationProps) {
  return (
    <Pagination
      getControlProps={(control) => ({
        'aria-label': control === 'previous' ? 'Previous page' : control === 'next' ? 'Next page' : undefined,
      })}
      getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
      {...props}
    />
  );
}
