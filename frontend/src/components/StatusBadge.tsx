import { Badge } from '@mantine/core';
import type { ProgressStatus } from '../api/types';
import { STATUS_COLOR, STATUS_LABEL } from '../lib/format';

export function StatusBadge({ status }: { status: ProgressStatus }) {
  return (
    <Badge color={STATUS_COLOR[status] ?? 'gray'} variant={status === 'completed' ? 'filled' : 'light'} radius="sm">
      {STATUS_LABEL[status] ?? status}
    </Badge>
  );
}
