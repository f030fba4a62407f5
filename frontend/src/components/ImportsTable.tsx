import { Anchor, Group, Progress, Table, Text, Tooltip } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { errorReportUrl } from '../api/client';
import type { ImportJob, ProgressSnapshot, ProgressStatus } from '../api/types';
import { isTerminal } from '../api/types';
import { STATUS_COLOR, elapsedSeconds, formatCount, formatDateTime, formatDuration, formatPercent } from '../lib/format';
import { principalLabel } from '../lib/principal';
import { StatusBadge } from './StatusBadge';

/** One line of the history: the job from GET /imports, overlaid with its live snapshot. */
export interface ImportRow {
  id: string;
  filename: string;
  status: ProgressStatus;
  percent: number | null;
  rows_total: number | null;
  inserted: number | null;
  updated: number | null;
  invalid: number | null;
  duplicates: number | null;
  created_at: string | null;
  finished_at: string | null;
  has_error_report: boolean;
  retry_of: string | null;
  error: string | null;
  /** Who started it ("ops@example.com", "key ci-nightly"); null until the list has the job, or for old jobs. */
  started_by: string | null;
}

const pick = <T,>(live: T | null | undefined, stored: T | null | undefined): T | null => live ?? stored ?? null;

/** Merge by job id: a terminal state wins; otherwise the live snapshot is the newer news. */
export function toRow(job: ImportJob | null, live: ProgressSnapshot | undefined): ImportRow {
  const useLive = !!live && live.status !== 'unknown' && !(job && isTerminal(job.status) && !live.terminal);
  const l = useLive ? live : undefined;
  const status: ProgressStatus = l?.status ?? job?.status ?? live?.status ?? 'unknown';
  return {
    id: job?.id ?? live!.job_id,
    filename: job?.filename ?? live?.filename ?? '(unnamed)',
    status,
    percent: status === 'completed' ? 100 : pick(l?.percent, null),
    rows_total: pick(l?.rows_total, job?.rows_total),
    inserted: pick(l?.inserted, job?.inserted),
    updated: pick(l?.updated, job?.updated),
    invalid: pick(l?.invalid, job?.invalid),
    duplicates: pick(l?.duplicates, job?.duplicates),
    created_at: pick(job?.created_at, live?.created_at),
    finished_at: pick(l?.finished_at, job?.finished_at),
    has_error_report: (job?.has_error_report ?? false) || ((l?.invalid ?? 0) > 0 && l?.rows_total != null),
    retry_of: pick(job?.retry_of, live?.retry_of),
    error: (l?.error ?? job?.error)?.message ?? null,
    started_by: principalLabel(job?.created_by),
  };
}

export function ImportsTable({ rows, caption }: { rows: ImportRow[]; caption: string }) {
  return (
    // A focusable scroll region, so that keyboard users can scroll the table on a narrow screen.
    <div role="region" aria-label="Imports table" tabIndex={0} style={{ overflowX: 'auto' }}>
      <Table striped highlightOnHover verticalSpacing="sm" miw={880}>
        <caption className="visually-hidden">{caption}</caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">File</Table.Th>
            <Table.Th scope="col">Status</Table.Th>
            <Table.Th scope="col" ta="right">
              Rows
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Inserted
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Updated
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Invalid
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Duplicates
            </Table.Th>
            <Table.Th scope="col">Started</Table.Th>
            <Table.Th scope="col">Duration</Table.Th>
            <Table.Th scope="col">
              <span className="visually-hidden">Error report</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => {
            const running = !isTerminal(row.status);
            return (
              <Table.Tr key={row.id} id={`job-${row.id}`} data-job-id={row.id}>
                <Table.Td>
                  {/* Long names are cut (full in the title), so that the table fits a desktop
                      screen: width 0 keeps the name out of the column's minimum width. */}
                  <div style={{ minWidth: 140, maxWidth: 280 }}>
                    <Text size="sm" fw={500} truncate title={row.filename} style={{ width: 0, minWidth: '100%' }}>
                      {row.filename}
                    </Text>
                  </div>
                  {row.started_by && (
                    <Text size="xs" c="dimmed" truncate title={row.started_by} maw={280} data-started-by>
                      by {row.started_by}
                    </Text>
                  )}
                  {row.retry_of && (
                    <Text size="xs" c="dimmed">
                      retry of {row.retry_of.slice(0, 8)}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    {row.error ? (
                      <Tooltip label={row.error} multiline maw={320}>
                        <span tabIndex={0} aria-label={`${row.status}: ${row.error}`}>
                          <StatusBadge status={row.status} />
                        </span>
                      </Tooltip>
                    ) : (
                      <StatusBadge status={row.status} />
                    )}
                  </Group>
                  {running && row.percent != null && (
                    <Progress
                      value={row.percent}
                      color={STATUS_COLOR[row.status]}
                      size="sm"
                      mt={6}
                      w={110}
                      aria-label={`${row.filename}: ${formatPercent(row.percent)}`}
                    />
                  )}
                </Table.Td>
                <Table.Td ta="right">{formatCount(row.rows_total)}</Table.Td>
                <Table.Td ta="right">{formatCount(row.inserted)}</Table.Td>
                <Table.Td ta="right">{formatCount(row.updated)}</Table.Td>
                <Table.Td ta="right" c={(row.invalid ?? 0) > 0 ? 'red' : undefined}>
                  {formatCount(row.invalid)}
                </Table.Td>
                <Table.Td ta="right">{formatCount(row.duplicates)}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(row.created_at)}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  {running ? '…' : formatDuration(elapsedSeconds(row.created_at, row.finished_at))}
                </Table.Td>
                <Table.Td>
                  {row.has_error_report && (row.invalid ?? 0) > 0 && (
                    <Anchor href={errorReportUrl(row.id)} download size="sm" style={{ whiteSpace: 'nowrap' }}>
                      <Group gap={4} wrap="nowrap" component="span">
                        <IconDownload size={14} aria-hidden />
                        Errors<span className="visually-hidden"> of {row.filename}</span>
                      </Group>
                    </Anchor>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </div>
  );
}
