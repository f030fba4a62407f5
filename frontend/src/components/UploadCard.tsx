import { Button, Card, Group, Progress, Stack, Text, Title } from '@mantine/core';
import { Dropzone, type FileRejection } from '@mantine/dropzone';
import { IconFileTypeCsv, IconUpload, IconX } from '@tabler/icons-react';
import { useRef, useState } from 'react';
import { type UploadHandle, UploadAborted, uploadImport } from '../api/client';
import type { ImportJob } from '../api/types';
import { formatBytes, formatPercent } from '../lib/format';
import { UploadErrorAlert } from './UploadErrorAlert';

// The service decides by content (gzip by its magic bytes); the picker offers the usual names.
const ACCEPT = {
  'text/csv': ['.csv'],
  'application/gzip': ['.gz'],
  'application/x-gzip': ['.gz'],
  'text/plain': ['.txt', '.tsv'],
};

type UploadState =
  | { kind: 'idle' }
  | { kind: 'uploading'; file: File; loaded: number; total: number }
  | { kind: 'processing'; file: File } // every byte sent, waiting for the 202
  | { kind: 'rejected'; error: unknown };

export function UploadCard({ onUploaded }: { onUploaded: (job: ImportJob) => void }) {
  const [state, setState] = useState<UploadState>({ kind: 'idle' });
  const handle = useRef<UploadHandle | null>(null);
  const openRef = useRef<() => void>(null);
  const busy = state.kind === 'uploading' || state.kind === 'processing';

  const start = (file: File) => {
    setState({ kind: 'uploading', file, loaded: 0, total: file.size });
    const upload = uploadImport(file, ({ loaded, total }) => {
      setState(loaded >= total ? { kind: 'processing', file } : { kind: 'uploading', file, loaded, total });
    });
    handle.current = upload;
    upload.promise.then(
      (job) => {
        handle.current = null;
        setState({ kind: 'idle' });
        onUploaded(job);
      },
      (error: unknown) => {
        handle.current = null;
        setState(error instanceof UploadAborted ? { kind: 'idle' } : { kind: 'rejected', error });
      },
    );
  };

  const onReject = (rejections: FileRejection[]) => {
    const name = rejections[0]?.file.name ?? 'This file';
    setState({
      kind: 'rejected',
      error: new Error(
        rejections.length > 1
          ? 'Drop one file at a time.'
          : `${name} is not a .csv or .csv.gz file. Export the sheet as CSV, then upload it.`,
      ),
    });
  };

  const percent = state.kind === 'uploading' && state.total > 0 ? (state.loaded / state.total) * 100 : 100;

  return (
    <Card withBorder radius="md" padding="lg" component="section" aria-labelledby="upload-title">
      <Stack gap="md">
        <Title order={2} size="h4" id="upload-title">
          Upload a CSV file
        </Title>
        <Dropzone
          onDrop={(files) => files[0] && start(files[0])}
          onReject={onReject}
          accept={ACCEPT}
          multiple={false}
          maxFiles={1}
          disabled={busy}
          openRef={openRef}
          // The drop area is for the mouse; the keyboard's way in is the "Choose a file" button
          // below (a second tab stop for the same picker, around a nested file input, would be
          // an interactive control inside another).
          activateOnKeyboard={false}
          inputProps={{ 'aria-label': 'CSV file to import' }}
          radius="md"
        >
          <Group justify="center" gap="lg" mih={140} style={{ pointerEvents: 'none' }} wrap="nowrap">
            <Dropzone.Accept>
              <IconUpload size={48} stroke={1.5} color="var(--mantine-color-blue-6)" style={{ flexShrink: 0 }} aria-hidden />
            </Dropzone.Accept>
            <Dropzone.Reject>
              <IconX size={48} stroke={1.5} color="var(--mantine-color-red-6)" style={{ flexShrink: 0 }} aria-hidden />
            </Dropzone.Reject>
            <Dropzone.Idle>
              <IconFileTypeCsv size={48} stroke={1.5} color="var(--mantine-color-dimmed)" style={{ flexShrink: 0 }} aria-hidden />
            </Dropzone.Idle>
            <div>
              <Text size="lg" fw={500}>
                Drag a product file here, or click to choose one
              </Text>
              <Text size="sm" c="dimmed" mt={4}>
                CSV or gzip-compressed CSV (.csv, .csv.gz) with sku and name columns; description, price and active are
                optional.
              </Text>
            </div>
          </Group>
        </Dropzone>
        <Group justify="space-between" wrap="wrap" gap="sm">
          <Button leftSection={<IconUpload size={16} aria-hidden />} onClick={() => openRef.current?.()} disabled={busy}>
            Choose a file…
          </Button>
          {busy && (
            <Button variant="default" onClick={() => handle.current?.abort()}>
              Stop upload
            </Button>
          )}
        </Group>

        {busy && (
          <Stack gap={6}>
            <Group justify="space-between" gap="xs" wrap="nowrap">
              <Text size="sm" truncate>
                {state.kind === 'processing' ? 'Checking ' : 'Uploading '}
                <strong>{state.file.name}</strong>
              </Text>
              <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                {state.kind === 'uploading'
                  ? `${formatBytes(state.loaded)} of ${formatBytes(state.total)}`
                  : formatBytes(state.file.size)}
              </Text>
            </Group>
            <Progress.Root size="lg" radius="sm">
              <Progress.Section
                value={percent}
                withAria={false}
                role="progressbar"
                aria-label="Upload progress"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.floor(percent)}
                aria-valuetext={
                  state.kind === 'processing' ? 'Upload complete, checking the file' : `${formatPercent(percent)} uploaded`
                }
                animated={state.kind === 'processing'}
              />
            </Progress.Root>
          </Stack>
        )}

        {state.kind === 'rejected' && (
          <UploadErrorAlert error={state.error} onClose={() => setState({ kind: 'idle' })} />
        )}
      </Stack>
    </Card>
  );
}
