import { Alert, Button, Group, Loader, Modal, NativeSelect, Stack, TextInput } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ROLES, fieldErrors, type Role } from '../../api/accountsClient';
import { ApiError } from '../../api/client';
import { ROLE_DESCRIPTION, ROLE_LABEL } from '../../lib/roles';
import { MODAL_PROPS } from '../webhooks/style';

export const ROLE_OPTIONS = ROLES.map((role) => ({ value: role, label: ROLE_LABEL[role] }));

/**
 * Add a user (an email) or an API key (a name), each with a role. The answer, which holds the
 * secret shown once, goes to onCreated. The API's 422 and 409 show at the field.
 */
export function CreateModal<T>({
  opened,
  onClose,
  title,
  field,
  create,
  onCreated,
  submitLabel,
}: {
  opened: boolean;
  onClose: () => void;
  title: string;
  /** The one text field: its name in the API's body (for the 422's `fields`), label and input type. */
  field: { name: 'email' | 'name'; label: string; description?: string; type?: 'email' | 'text'; maxLength: number };
  create: (value: string, role: Role) => Promise<T>;
  onCreated: (created: T) => void;
  submitLabel: string;
}) {
  const [value, setValue] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [errors, setErrors] = useState<{ value?: string; role?: string }>({});
  const input = useRef<HTMLInputElement>(null);

  const mutation = useMutation({
    mutationFn: () => create(value.trim(), role),
    onSuccess: (created) => {
      onClose();
      onCreated(created);
    },
    onError: (error) => {
      const fields = fieldErrors(error);
      const conflict = error instanceof ApiError && error.status === 409 ? error.message : undefined;
      setErrors({ value: fields[field.name] ?? conflict, role: fields.role });
      if (fields[field.name] || conflict) input.current?.focus();
    },
  });

  useEffect(() => {
    if (!opened) return;
    setValue('');
    setRole('viewer');
    setErrors({});
    mutation.reset();
  }, [opened]); // afresh each time it opens (not when `mutation` changes)

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mutation.isPending) return;
    if (!value.trim()) {
      setErrors({ value: `Enter ${field.label.toLowerCase()}.` });
      input.current?.focus();
      return;
    }
    mutation.mutate();
  };

  const atFields = Boolean(errors.value || errors.role);
  return (
    <Modal {...MODAL_PROPS} opened={opened} onClose={onClose} title={title}>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          {mutation.isError && !atFields && (
            <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} title="Could not save" role="alert">
              {mutation.error.message}
            </Alert>
          )}
          <TextInput
            ref={input}
            label={field.label}
            description={field.description}
            type={field.type ?? 'text'}
            autoComplete="off"
            spellCheck={false}
            maxLength={field.maxLength}
            required
            value={value}
            onChange={(event) => setValue(event.currentTarget.value)}
            error={errors.value}
            data-autofocus
          />
          <NativeSelect
            label="Role"
            description={`${ROLE_LABEL[role]}: ${ROLE_DESCRIPTION[role]}.`}
            data={ROLE_OPTIONS}
            value={role}
            onChange={(event) => setRole(event.currentTarget.value as Role)}
            error={errors.role}
          />
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              aria-busy={mutation.isPending || undefined}
              leftSection={mutation.isPending ? <Loader size={14} color="currentColor" aria-hidden /> : undefined}
            >
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
