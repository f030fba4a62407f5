import { Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { IconFileImport } from '@tabler/icons-react';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef } from 'react';
import { Link, useSearchParams } from 'react-router';
import { listImports } from '../api/client';
import { useRefusal } from '../auth/session';
import { Refused } from '../components/auth/Refused';
import { useDashboardProgress } from '../api/progress';
import { ImportsTable, toRow } from '../components/ImportsTable';
import { usePageTitle } from '../lib/usePageTitle';
import { LoadError, Loading } from '../components/LoadStates';
import { PagePicker } from '../components/PagePicker';

export const PAGE_SIZE = 20;

export function ImportsPage() {
  usePageTitle('Imports');
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const queryClient = useQueryClient();
  const importRefused = useRefusal('import');
  const query = useQuery({
    queryKey: ['imports', 'list', page],
    queryFn: () => listImports({ limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
  const { jobs: live, stream } = useDashboardProgress();
  // The browser reconnects a dropped stream within seconds: only say so when it lasts.
  const [settledStream] = useDebouncedValue(stream, 5000);
  const interrupted = stream === 'reconnecting' && settledStream === 'reconnecting';

  const items = query.data?.items;
  const rows = useMemo(() => {
    const listed = (items ?? []).map((job) => toRow(job, live[job.id]));
    if (page !== 1 || !items) return listed;
    // Jobs started after the list was loaded: show them at the top straight from the stream.
    const known = new Set(items.map((job) => job.id));
    const newest = items[0]?.created_at ?? '';
    const fresh = Object.values(live)
      .filter((s) => !known.has(s.job_id) && s.status !== 'unknown' && (s.created_at ?? '') > newest)
      .sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''))
      .map((s) => toRow(null, s));
    return [...fresh, ...listed];
  }, [items, live, page]);

  // A job the list has not seen: fetch the list again (once per new job) for its full record.
  const refetched = useRef(new Set<string>());
  const freshIds = rows.filter((row) => !items?.some((job) => job.id === row.id)).map((row) => row.id);
  const freshKey = freshIds.join(',');
  useEffect(() => {
    const unseen = freshKey ? freshKey.split(',').filter((id) => !refetched.current.has(id)) : [];
    if (unseen.length === 0) return;
    unseen.forEach((id) => refetched.current.add(id));
    const timer = setTimeout(() => queryClient.invalidateQueries({ queryKey: ['imports', 'list'] }), 500);
    return () => clearTimeout(timer);
  }, [freshKey, queryClient]);

  const total = (query.data?.total ?? 0) + (page === 1 ? freshIds.length : 0);
  const pages = Math.max(1, Math.ceil((query.data?.total ?? 0) / PAGE_SIZE));

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={1}>Imports</Title>
          <Text c="dimmed">
            Every import, newest first.{' '}
            {interrupted ? 'Live updates interrupted, reconnecting…' : 'Updates live.'}
          </Text>
        </div>
        {importRefused ? (
          <Refused reason={importRefused}>
            <Button leftSection={<IconFileImport size={16} aria-hidden />}>New import</Button>
          </Refused>
        ) : (
          <Button component={Link} to="/" leftSection={<IconFileImport size={16} aria-hidden />}>
            New import
          </Button>
        )}
      </Group>

      {query.isPending ? (
        <Loading label="Loading imports" />
      ) : query.isError ? (
        <LoadError title="Could not load the imports" message={query.error.message} onRetry={() => query.refetch()} retrying={query.isFetching} />
      ) : rows.length === 0 ? (
        <Card withBorder radius="md" padding="xl">
          <Stack align="center" gap="sm" py="lg">
            <IconFileImport size={40} stroke={1.5} color="var(--mantine-color-dimmed)" aria-hidden />
            <Text fw={500}>No imports yet</Text>
            <Text size="sm" c="dimmed" ta="center">
              {importRefused
                ? 'Imports that editors start show up here, with their status and counts.'
                : 'Upload a CSV file and it shows up here, with its status and counts.'}
            </Text>
            {!importRefused && (
              <Button component={Link} to="/" variant="light">
                Import a file
              </Button>
            )}
          </Stack>
        </Card>
      ) : (
        <Stack gap="xs">
          <Text size="sm" c="dimmed" aria-hidden>
            {total.toLocaleString()} import{total === 1 ? '' : 's'}
            {pages > 1 ? ` · page ${page} of ${pages}` : ''}
          </Text>
          <Card withBorder radius="md" padding={0}>
            <ImportsTable
              rows={rows}
              caption={`${total.toLocaleString()} import${total === 1 ? '' : 's'}, page ${page} of ${pages}`}
            />
          </Card>
          {pages > 1 && (
            <Group justify="center" mt="sm">
              <PagePicker
                total={pages}
                value={page}
                onChange={(next) => setParams(next === 1 ? {} : { page: String(next) })}
              />
            </Group>
          )}
        </Stack>
      )}
    </Stack>
  );
}
