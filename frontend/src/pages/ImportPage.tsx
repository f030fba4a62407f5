import { Anchor, Card, Stack, Text, Title } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import { Link } from 'react-router';
import { useRefusal } from '../auth/session';
import { JobProgressPanel } from '../components/JobProgressPanel';
import { UploadCard } from '../components/UploadCard';
import { forgetJob, rememberJob, useActiveJobs } from '../lib/activeJobs';
import { usePageTitle } from '../lib/usePageTitle';

/** For a role that may not import: why, instead of a drop area that could only fail. */
function CannotImport({ reason }: { reason: string }) {
  return (
    <Card withBorder radius="md" padding="lg" component="section" aria-labelledby="no-import-title">
      <Stack align="center" gap="sm" py="md">
        <IconLock size={40} stroke={1.5} color="var(--mantine-color-dimmed)" aria-hidden />
        <Title order={2} size="h4" id="no-import-title">
          You can't import files
        </Title>
        <Text ta="center" maw={520}>
          {reason}
        </Text>
        <Text size="sm" c="dimmed" ta="center">
          You can follow every import in the{' '}
          <Anchor component={Link} to="/imports" underline="always">
            imports history
          </Anchor>{' '}
          and browse the{' '}
          <Anchor component={Link} to="/products" underline="always">
            products
          </Anchor>
          .
        </Text>
      </Stack>
    </Card>
  );
}

export function ImportPage() {
  usePageTitle('Import');
  const jobs = useActiveJobs();
  const refused = useRefusal('import');
  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>Import products</Title>
        <Text c="dimmed">Upload a catalog file and watch it import. You can leave this page: the import goes on.</Text>
      </div>
      {refused ? <CannotImport reason={refused} /> : <UploadCard onUploaded={(job) => rememberJob(job.id, job.filename)} />}
      {jobs.length > 0 && (
        <Stack gap="md" component="section" aria-labelledby="your-imports">
          <Title order={2} size="h4" id="your-imports">
            Your imports
          </Title>
          {jobs.map((job) => (
            <JobProgressPanel
              key={job.id}
              jobId={job.id}
              filename={job.filename}
              onDismiss={() => forgetJob(job.id)}
              onRetried={(retried) => rememberJob(retried.id, retried.filename)}
            />
          ))}
        </Stack>
      )}
    </Stack>
  );
}
