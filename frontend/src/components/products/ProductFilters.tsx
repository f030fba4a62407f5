import { Button, CloseButton, NativeSelect, SimpleGrid, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconFilterOff, IconSearch } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import type { ActiveFilter, ProductsView, TextFilter } from './productsView';

export const FILTER_DEBOUNCE_MS = 300;

interface Props {
  view: ProductsView;
  onChange: (changes: Partial<ProductsView>, options?: { replace?: boolean }) => void;
  onClear: () => void;
  filtered: boolean;
}

/**
 * A text filter typed locally and written to the URL 300 ms after the last keystroke; a change
 * of the URL from elsewhere (Back, "Clear filters") shows up in the input.
 */
function DebouncedFilter({
  field,
  label,
  placeholder,
  value: urlValue,
  onChange,
}: {
  field: TextFilter;
  label: string;
  placeholder: string;
  value: string;
  onChange: Props['onChange'];
}) {
  const [value, setValue] = useState(urlValue);
  const [debounced] = useDebouncedValue(value, FILTER_DEBOUNCE_MS);
  // The value the URL and the input last agreed on: tells our own writes from outside changes.
  const synced = useRef(urlValue);
  const lastDebounced = useRef(debounced);

  useEffect(() => {
    if (urlValue !== synced.current) {
      synced.current = urlValue;
      setValue(urlValue);
    }
  }, [urlValue]);

  useEffect(() => {
    // Only a new debounced value is news: onChange changes with every URL change (react-router's
    // setSearchParams does), and the stale debounced text would undo "Clear filters" or Back.
    if (debounced === lastDebounced.current) return;
    lastDebounced.current = debounced;
    if (debounced !== synced.current) {
      synced.current = debounced;
      onChange({ [field]: debounced }, { replace: true });
    }
  }, [debounced, field, onChange]);

  return (
    <TextInput
      label={label}
      placeholder={placeholder}
      value={value}
      onChange={(event) => setValue(event.currentTarget.value)}
      leftSection={<IconSearch size={16} aria-hidden />}
      rightSection={
        value ? <CloseButton size="sm" aria-label={`Clear the ${label} filter`} onClick={() => setValue('')} /> : null
      }
      maxLength={500}
      autoComplete="off"
      spellCheck={false}
    />
  );
}

export function ProductFilters({ view, onChange, onClear, filtered }: Props) {
  return (
    <form role="search" aria-label="Filter products" onSubmit={(event) => event.preventDefault()}>
      <SimpleGrid cols={{ base: 2, md: 4 }} spacing="sm" verticalSpacing="xs">
        <DebouncedFilter field="sku" label="SKU" placeholder="contains…" value={view.sku} onChange={onChange} />
        <DebouncedFilter field="name" label="Name" placeholder="contains…" value={view.name} onChange={onChange} />
        <DebouncedFilter
          field="description"
          label="Description"
          placeholder="contains…"
          value={view.description}
          onChange={onChange}
        />
        <NativeSelect
          label="Status"
          value={view.active}
          onChange={(event) => onChange({ active: event.currentTarget.value as ActiveFilter })}
          data={[
            { value: 'all', label: 'All products' },
            { value: 'true', label: 'Active only' },
            { value: 'false', label: 'Inactive only' },
          ]}
        />
      </SimpleGrid>
      {filtered && (
        <Button
          variant="subtle"
          size="compact-sm"
          mt="xs"
          leftSection={<IconFilterOff size={14} aria-hidden />}
          onClick={onClear}
        >
          Clear filters
        </Button>
      )}
    </form>
  );
}
