import { Badge } from '@mantine/core';
import type { ProgressStatus } from '../api/types';
import { STATUS_COLOR, STATUS_LABEL } from '../lib/format';

export function StatusBadge({ status }: { status: ProgressStatus }) {
  return (
    <Badge
      color={STATUS_COLOR[status] ?? 'gray'}
      variant={status === 'completed' ? 'filled' : 'light'}
      radius="sm"
      // Never cut to "CO…": in a squeezed table column the badge would shrink to almost nothing.
      miw="max-content"
    >
      {STATUS_LABEL[status] ?? status}
    </Badge>
  );
}
