import {
  ActionIcon,
  Alert,
  Anchor,
  Button,
  Card,
  Group,
  Modal,
  Progress,
  SimpleGrid,
  Stack,
  Text,
  Tooltip,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconDownload, IconPlayerStop, IconRefresh, IconX } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { cancelImport, errorReportUrl, retryImport } from '../api/client';
import { useRefusal } from '../auth/session';
import { useJobProgress, type StreamState } from '../api/progress';
import type { ImportJob, ProgressSnapshot, ProgressStatus } from '../api/types';
import { isTerminal } from '../api/types';
import {
  STATUS_COLOR,
  STATUS_DESCRIPTION,
  STATUS_LABEL,
  formatBytes,
  formatCount,
  formatDuration,
  formatPercent,
  formatRate,
} from '../lib/format';
import { StatusBadge } from './StatusBadge';

// A term and its value in the counts' description list (read out as "Inserted: 3").
function Stat({ label, value, color }: { label: string; value: string; color?: string }) {
  return (
    <div>
      <Text component="dt" size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text component="dd" fw={600} size="lg" c={color} m={0}>
        {value}
      </Text>
    </div>
  );
}

/** "rows done / total" for the stage the job is in. */
export function rowsLine(s: ProgressSnapshot): string {
  if (s.status === 'importing' || s.status === 'completed' || (s.terminal && s.stage === 'importing')) {
    return `${formatCount(s.rows_processed ?? 0)} of ${formatCount(s.rows_to_import)} rows imported`;
  }
  if (s.status === 'parsing' || s.status === 'validating' || s.terminal) {
    const bytes =
      s.bytes_total != null ? ` (${formatBytes(s.bytes_read ?? 0)} of ${formatBytes(s.bytes_total)})` : '';
    return `${formatCount(s.rows_read ?? 0)} rows read${s.rows_total != null ? ` of ${formatCount(s.rows_total)}` : ''}${bytes}`;
  }
  return s.size_bytes != null ? `${formatBytes(s.size_bytes)} file` : '';
}

export interface JobProgressViewProps {
  snapshot: ProgressSnapshot | null;
  filename: string;
  stream?: StreamState;
  cancelling?: boolean;
  retrying?: boolean;
  onCancel?: () => void;
  onRetry?: () => void;
  onDismiss?: () => void;
  jobId: string;
}

/** A job's live state: stage, progress bar, rows, rate, ETA, counts, and what can be done with it. */
export function JobProgressView({
  snapshot,
  filename,
  stream = 'live',
  cancelling,
  retrying,
  onCancel,
  onRetry,
  onDismiss,
  jobId,
}: JobProgressViewProps) {
  const status: ProgressStatus = snapshot?.status ?? 'unknown';
  const terminal = isTerminal(status);
  const running = !terminal;
  const percent = status === 'completed' ? 100 : (snapshot?.percent ?? 0);
  const stageLabel = STATUS_LABEL[status];
  const name = snapshot?.filename ?? filename;
  const [confirming, setConfirming] = useState(false);
  // The browser reconnects a dropped stream within seconds: only say so when it lasts.
  const [settledStream] = useDebouncedValue(stream, 5000);
  const interrupted = stream === 'reconnecting' && settledStream === 'reconnecting';

  // Announce stage changes (not every tick) in a polite live region.
  const [announcement, setAnnouncement] = useState('');
  const lastStatus = useRef<ProgressStatus | null>(null);
  useEffect(() => {
    if (!snapshot || lastStatus.current === status) return;
    lastStatus.current = status;
    let text = `${name}: ${stageLabel}.`;
    if (status === 'completed') {
      text += ` ${formatCount(snapshot.inserted ?? 0)} inserted, ${formatCount(snapshot.updated ?? 0)} updated, ${formatCount(snapshot.invalid ?? 0)} invalid.`;
    } else if (status === 'failed' && snapshot.error) {
      text += ` ${snapshot.error.message}`;
    }
    setAnnouncement(text);
  }, [snapshot, status, name, stageLabel]);

  const hasErrorReport = (snapshot?.invalid ?? 0) > 0 && snapshot?.rows_total != null;
  const titleId = `job-${jobId}-title`;

  return (
    <Card withBorder radius="md" padding="lg" component="article" aria-labelledby={titleId}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
          <Stack gap={2} style={{ minWidth: 0 }}>
            <Group gap="xs" wrap="wrap">
              <Text fw={600} id={titleId} style={{ overflowWrap: 'anywhere' }}>
                {name}
              </Text>
              <StatusBadge status={status} />
            </Group>
            <Text size="sm" c="dimmed">
              {snapshot?.cancel_requested && running ? 'Cancelling…' : STATUS_DESCRIPTION[status]}
              {snapshot?.retry_of ? ' (a retry)' : ''}
            </Text>
          </Stack>
          {onDismiss && (terminal || status === 'unknown') && (
            <Tooltip label="Stop showing this import">
              <ActionIcon variant="subtle" color="gray" onClick={onDismiss} aria-label={`Dismiss ${name}`}>
                <IconX size={18} aria-hidden />
              </ActionIcon>
            </Tooltip>
          )}
        </Group>

        <Stack gap={4}>
          <Group justify="space-between" gap="xs">
            <Text size="sm">{snapshot ? rowsLine(snapshot) : 'Connecting…'}</Text>
            <Text size="sm" fw={600}>
              {formatPercent(percent)}
            </Text>
          </Group>
          <Progress.Root size="xl" radius="sm">
            <Progress.Section
              value={Math.max(0, Math.min(100, percent))}
              color={STATUS_COLOR[status]}
              striped={running && status !== 'unknown' && status !== 'queued'}
              animated={running && status !== 'unknown' && status !== 'queued'}
              withAria={false}
              role="progressbar"
              aria-label={`${name} progress`}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.floor(percent)}
              aria-valuetext={`${stageLabel}: ${formatPercent(percent)}`}
            />
          </Progress.Root>
        </Stack>

        {running && (
          <Group gap="lg" wrap="wrap">
            <Text size="sm">
              <Text span c="dimmed">
                Rate{' '}
              </Text>
              {formatRate(snapshot?.rate)}
            </Text>
            <Text size="sm">
              <Text span c="dimmed">
                Time left{' '}
              </Text>
              {formatDuration(snapshot?.eta_seconds)}
            </Text>
            {interrupted && (
              <Text size="sm" c="orange">
                Live updates interrupted, reconnecting…
              </Text>
            )}
          </Group>
        )}

        <SimpleGrid component="dl" cols={{ base: 2, xs: 4 }} spacing="sm" m={0}>
          <Stat label="Inserted" value={formatCount(snapshot?.inserted)} color="green" />
          <Stat label="Updated" value={formatCount(snapshot?.updated)} color="blue" />
          <Stat label="Invalid" value={formatCount(snapshot?.invalid)} color={(snapshot?.invalid ?? 0) > 0 ? 'red' : undefined} />
          <Stat label="Duplicates" value={formatCount(snapshot?.duplicates)} />
        </SimpleGrid>

        {status === 'failed' && snapshot?.error && (
          <Alert color="red" variant="light" title="Why it failed">
            {snapshot.error.message}
          </Alert>
        )}
        {status === 'cancelled' && snapshot?.error?.message && snapshot.error.message !== 'cancelled' && (
          <Text size="sm" c="dimmed">
            {snapshot.error.message}
          </Text>
        )}

        <Group gap="sm" wrap="wrap">
          {running && onCancel && (
            <Button
              variant="light"
              color="red"
              leftSection={<IconPlayerStop size={16} aria-hidden />}
              onClick={() => setConfirming(true)}
              loading={cancelling}
              disabled={snapshot?.cancel_requested}
            >
              Cancel import
            </Button>
          )}
          {(status === 'failed' || status === 'cancelled') && onRetry && (
            <Button leftSection={<IconRefresh size={16} aria-hidden />} onClick={onRetry} loading={retrying}>
              Retry
            </Button>
          )}
          {hasErrorReport && (
            <Button
              component="a"
              href={errorReportUrl(jobId)}
              download
              variant="default"
              leftSection={<IconDownload size={16} aria-hidden />}
            >
              Download error report ({formatCount(snapshot?.invalid)} rows)
            </Button>
          )}
          <Anchor component={Link} to={`/imports#job-${jobId}`} size="sm" c="dimmed" ml="auto" style={{ alignSelf: 'center' }}>
            Job {jobId.slice(0, 8)}
          </Anchor>
        </Group>
      </Stack>

      <div role="status" aria-live="polite" aria-atomic="true" className="visually-hidden">
        {announcement}
      </div>

      <Modal opened={confirming} onClose={() => setConfirming(false)} title="Cancel this import?" centered>
        <Stack>
          <Text size="sm">
            The import of <strong>{name}</strong> stops between batches. Products already written stay in the catalog;
            nothing after the cancel is applied. You can retry it later.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)} data-autofocus>
              Keep importing
            </Button>
            <Button
              color="red"
              onClick={() => {
                setConfirming(false);
                onCancel?.();
              }}
            >
              Cancel import
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}

/** JobProgressView wired to the live stream and the cancel / retry calls. */
export function JobProgressPanel({
  jobId,
  filename,
  onDismiss,
  onRetried,
}: {
  jobId: string;
  filename: string;
  onDismiss?: () => void;
  onRetried?: (job: ImportJob) => void;
}) {
  const { snapshot, stream } = useJobProgress(jobId);
  // A role that may not cancel or retry is not offered either (the Import screen tells it why).
  const canManage = useRefusal('manageImports') === null;
  const cancel = useMutation({
    mutationFn: () => cancelImport(jobId),
    onSuccess: () => notifications.show({ color: 'orange', title: 'Import cancelled', message: filename }),
    onError: (error) =>
      notifications.show({ color: 'red', title: 'Could not cancel the import', message: (error as Error).message }),
  });
  const retry = useMutation({
    mutationFn: () => retryImport(jobId),
    onSuccess: (job) => {
      notifications.show({ color: 'blue', title: 'Import restarted', message: `${job.filename} runs again as a new job.` });
      onRetried?.(job);
    },
    onError: (error) =>
      notifications.show({ color: 'red', title: 'Could not retry the import', message: (error as Error).message }),
  });
  return (
    <JobProgressView
      jobId={jobId}
      snapshot={snapshot}
      filename={filename}
      stream={stream}
      cancelling={cancel.isPending}
      retrying={retry.isPending}
      onCancel={canManage ? () => cancel.mutate() : undefined}
      onRetry={canManage ? () => retry.mutate() : undefined}
      onDismiss={onDismiss}
    />
  );
}
