import { Stack, Text, Title } from '@mantine/core';
import { JobProgressPanel } from '../components/JobProgressPanel';
import { UploadCard } from '../components/UploadCard';
import { forgetJob, rememberJob, useActiveJobs } from '../lib/activeJobs';
import { usePageTitle } from '../lib/usePageTitle';

export function ImportPage() {
  usePageTitle('Import');
  const jobs = useActiveJobs();
  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>Import products</Title>
        <Text c="dimmed">Upload a catalog file and watch it import. You can leave this page: the import goes on.</Text>
      </div>
      <UploadCard onUploaded={(job) => rememberJob(job.id, job.filename)} />
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
