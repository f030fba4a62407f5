import { Alert, Code, List, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { ApiError } from '../api/client';
import { formatBytes } from '../lib/format';

export interface UploadErrorText {
  title: string;
  message: string;
  missing?: string[];
  hint?: string;
}

const HEADER_HINT =
  'The first row must name the columns: sku and name are required (any letter case); description, price and active are optional.';

/** What to tell a person whose file was rejected, from the upload API's JSON error. */
export function describeUploadError(error: unknown): UploadErrorText {
  if (!(error instanceof ApiError)) {
    return { title: 'Upload failed', message: error instanceof Error ? error.message : String(error) };
  }
  const body = error.body;
  const message = body?.message ?? error.message;
  if (error.status === 0) return { title: 'Could not reach the server', message };
  if (error.status === 413) {
    const limit = typeof body?.limit_bytes === 'number' ? ` The limit is ${formatBytes(body.limit_bytes)}.` : '';
    return {
      title: 'The file is too large',
      message: `This file is over the upload size limit.${limit}`,
      hint: 'Compress it (.csv.gz) or split it into several files.',
    };
  }
  if (error.status === 415) return { title: 'The upload was not understood', message };
  if (error.status === 422) {
    switch (error.code) {
      case 'missing_columns':
        return { title: 'Required columns are missing', message, missing: body?.missing ?? [], hint: HEADER_HINT };
      case 'empty_file':
        return { title: 'The file is empty', message, hint: HEADER_HINT };
      case 'not_text':
        return {
          title: 'This is not a CSV file',
          message,
          hint: 'Export the sheet as CSV (comma, semicolon, tab or | separated), optionally gzip-compressed.',
        };
      case 'unreadable_encoding':
      case 'malformed_csv':
        return { title: 'The file cannot be read as CSV', message };
      case 'missing_file':
        return { title: 'No file was sent', message };
      default:
        return { title: 'The file was rejected', message };
    }
  }
  if (error.status >= 500) return { title: 'The server could not take the file', message };
  return { title: 'Upload failed', message };
}

export function UploadErrorAlert({ error, onClose }: { error: unknown; onClose?: () => void }) {
  const text = describeUploadError(error);
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlertTriangle aria-hidden />}
      title={text.title}
      withCloseButton={!!onClose}
      onClose={onClose}
      closeButtonLabel="Dismiss error"
      role="alert"
    >
      <Text size="sm">{text.message}</Text>
      {text.missing && text.missing.length > 0 && (
        <List size="sm" mt="xs" aria-label="Missing columns">
          {text.missing.map((column) => (
            <List.Item key={column}>
              Missing column <Code>{column}</Code>
            </List.Item>
          ))}
        </List>
      )}
      {text.hint && (
        <Text size="sm" mt="xs" c="dimmed">
          {text.hint}
        </Text>
      )}
    </Alert>
  );
}
