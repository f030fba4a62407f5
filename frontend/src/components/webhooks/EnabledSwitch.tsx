import { Switch } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { WEBHOOKS_KEY, updateWebhook, type WebhookEndpoint } from '../../api/webhooks';
import { notify } from './notify';

/** Turns delivery to an endpoint on or off at once (PATCH enabled); enabling clears disabled_reason. */
export function EnabledSwitch({ endpoint }: { endpoint: WebhookEndpoint }) {
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => updateWebhook(endpoint.id, { enabled }),
    onSuccess: (saved) => {
      notify({
        color: saved.enabled ? 'green' : 'gray',
        title: saved.enabled ? 'Endpoint enabled' : 'Endpoint disabled',
        message: saved.enabled ? `${saved.url} receives events again.` : `${saved.url} receives nothing until enabled.`,
      });
    },
    onError: (error) =>
      notify({ color: 'red', title: 'Could not change the endpoint', message: error.message }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY }),
  });
  // While the request runs, show the state asked for; the refetch after it shows the real one.
  const checked = toggle.isPending ? toggle.variables : endpoint.enabled;
  return (
    <Switch
      checked={checked}
      disabled={toggle.isPending}
      onChange={(e) => toggle.mutate(e.currentTarget.checked)}
      label="Enabled"
      aria-label={`Enabled: ${endpoint.url}`}
      labelPosition="left"
      color="green"
    />
  );
}
