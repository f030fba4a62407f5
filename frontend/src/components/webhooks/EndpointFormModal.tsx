import { Alert, Button, Checkbox, Group, Modal, SimpleGrid, Stack, Switch, TextInput, Textarea } from '@mantine/core';
import { MODAL_PROPS } from './style';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import {
  EVENT_DESCRIPTIONS,
  EVENT_TYPES,
  WEBHOOKS_KEY,
  createWebhook,
  fieldErrors,
  updateWebhook,
  type WebhookEndpoint,
  type WebhookEndpointPatch,
  type WebhookEventType,
} from '../../api/webhooks';
import { notify } from './notify';

const MAX_URL = 2048;
const MAX_DESCRIPTION = 500;

/** The API's own rule (webhooks.domain.validate_url), checked before sending. */
export function urlProblem(value: string): string | null {
  const url = value.trim();
  if (!url) return 'Enter the URL that should receive the events.';
  if (url.length > MAX_URL) return `The URL is longer than ${MAX_URL.toLocaleString()} characters.`;
  if (/\s/.test(url)) return 'The URL must not contain spaces.';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Enter a full URL starting with https:// or http://.';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'The URL must start with https:// or http://.';
  if (!parsed.hostname) return 'The URL has no host.';
  return null;
}

interface Values {
  url: string;
  description: string;
  events: WebhookEventType[];
  enabled: boolean;
}

type Errors = Partial<Record<'url' | 'events' | 'description' | 'enabled' | '_', string>>;

function initial(endpoint: WebhookEndpoint | null): Values {
  return {
    url: endpoint?.url ?? '',
    description: endpoint?.description ?? '',
    // An endpoint lists only known types; the filter keeps the checkbox group honest if that changes.
    events: (endpoint?.events ?? []).filter((e): e is WebhookEventType => e in EVENT_DESCRIPTIONS),
    enabled: endpoint?.enabled ?? true,
  };
}

function changes(endpoint: WebhookEndpoint, values: Values): WebhookEndpointPatch {
  const patch: WebhookEndpointPatch = {};
  if (values.url.trim() !== endpoint.url) patch.url = values.url.trim();
  if (values.description !== endpoint.description) patch.description = values.description;
  if (values.enabled !== endpoint.enabled) patch.enabled = values.enabled;
  const before = [...endpoint.events].sort().join();
  if ([...values.events].sort().join() !== before) patch.events = values.events;
  return patch;
}

/**
 * Add (endpoint null) or edit an endpoint. Creating hands the answer, secret included, to
 * onCreated: it is the only time the API shows the secret.
 */
export function EndpointFormModal({
  opened,
  endpoint,
  onClose,
  onCreated,
}: {
  opened: boolean;
  endpoint: WebhookEndpoint | null;
  onClose: () => void;
  onCreated?: (created: WebhookEndpoint) => void;
}) {
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>(() => initial(endpoint));
  const [errors, setErrors] = useState<Errors>({});
  const urlInput = useRef<HTMLInputElement>(null);

  // Fill the form each time it opens; not when a background refetch replaces the endpoint object,
  // which would throw away what is being typed.
  const endpointId = endpoint?.id;
  useEffect(() => {
    if (opened) {
      setValues(initial(endpoint));
      setErrors({});
    }
  }, [opened, endpointId]);

  const save = useMutation({
    mutationFn: (v: Values) => {
      if (!endpoint) {
        return createWebhook({ url: v.url.trim(), events: v.events, enabled: v.enabled, description: v.description });
      }
      return updateWebhook(endpoint.id, changes(endpoint, v));
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY });
      notify({
        color: 'green',
        title: endpoint ? 'Endpoint saved' : 'Endpoint added',
        message: saved.url,
      });
      onClose();
      if (!endpoint) onCreated?.(saved);
    },
    onError: (error) => {
      const { url, events, description, enabled, ...rest } = fieldErrors(error);
      const atField = Boolean(url || events || description || enabled);
      setErrors({ url, events, description, enabled, _: Object.values(rest)[0] ?? (atField ? undefined : error.message) });
      if (url) urlInput.current?.focus();
      notify({
        color: 'red',
        title: endpoint ? 'Could not save the endpoint' : 'Could not add the endpoint',
        message: atField ? 'Check the highlighted fields.' : error.message,
      });
    },
  });

  const set = <K extends keyof Values>(key: K, value: Values[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Errors = {};
    const url = urlProblem(values.url);
    if (url) found.url = url;
    if (values.events.length === 0) found.events = 'Choose at least one event.';
    if (values.description.length > MAX_DESCRIPTION) found.description = `At most ${MAX_DESCRIPTION} characters.`;
    setErrors(found);
    if (Object.keys(found).length > 0) {
      if (found.url) urlInput.current?.focus();
      return;
    }
    if (endpoint && Object.keys(changes(endpoint, values)).length === 0) {
      onClose();
      return;
    }
    save.mutate(values);
  };

  return (
    <Modal
      {...MODAL_PROPS}
      opened={opened}
      onClose={onClose}
      title={endpoint ? 'Edit endpoint' : 'Add endpoint'}
      size="lg"
      closeOnClickOutside={!save.isPending}
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {errors._ && (
            <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} role="alert">
              {errors._}
            </Alert>
          )}
          <TextInput
            ref={urlInput}
            label="Endpoint URL"
            description="Where the events are POSTed: a full https:// (or http://) address."
            placeholder="https://example.com/hooks/catalog"
            type="url"
            inputMode="url"
            autoComplete="url"
            required
            data-autofocus
            value={values.url}
            onChange={(e) => set('url', e.currentTarget.value)}
            error={errors.url}
          />
          <Checkbox.Group
            label="Events"
            description="The endpoint receives only the events chosen here."
            required
            value={values.events}
            onChange={(next) => set('events', next as WebhookEventType[])}
            error={errors.events}
          >
            <Group gap="xs" mt={6} mb={8}>
              <Button size="compact-xs" variant="subtle" onClick={() => set('events', [...EVENT_TYPES])}>
                Select all
              </Button>
              <Button size="compact-xs" variant="subtle" color="gray" onClick={() => set('events', [])}>
                Clear
              </Button>
            </Group>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="sm">
              {EVENT_TYPES.map((type) => (
                <Checkbox key={type} value={type} label={type} description={EVENT_DESCRIPTIONS[type]} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
          <Textarea
            label="Description"
            description="Optional: what this endpoint is for."
            autosize
            minRows={2}
            maxRows={5}
            value={values.description}
            onChange={(e) => set('description', e.currentTarget.value)}
            error={errors.description}
          />
          <Switch
            label="Enabled"
            description={
              endpoint?.disabled_reason && !endpoint.enabled
                ? 'Enabling it again clears the reason it was disabled.'
                : 'A disabled endpoint receives nothing.'
            }
            checked={values.enabled}
            onChange={(e) => set('enabled', e.currentTarget.checked)}
            error={errors.enabled}
          />
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={onClose} disabled={save.isPending}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {endpoint ? 'Save changes' : 'Add endpoint'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
