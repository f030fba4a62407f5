import { Alert, Button, Loader, Stack } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { changePassword, fieldErrors } from '../../api/accountsClient';
import { SecretInput } from './SecretInput';

/** The accounts service's rule (passwords.MIN_LENGTH); it says so itself too (422). */
export const MIN_PASSWORD_LENGTH = 12;

type Field = 'current' | 'next' | 'confirm';

/** Current password, a new one twice; the API's 422 shows at its field. */
export function ChangePasswordForm({ onDone, submitLabel = 'Change password' }: { onDone: () => void; submitLabel?: string }) {
  const [values, setValues] = useState<Record<Field, string>>({ current: '', next: '', confirm: '' });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const refs = { current: useRef<HTMLInputElement>(null), next: useRef<HTMLInputElement>(null), confirm: useRef<HTMLInputElement>(null) };

  const mutation = useMutation({
    mutationFn: () => changePassword(values.current, values.next),
    onSuccess: () => {
      setValues({ current: '', next: '', confirm: '' });
      setErrors({});
      onDone();
    },
    onError: (error) => {
      const fields = fieldErrors(error);
      const found: Partial<Record<Field, string>> = { current: fields.current_password, next: fields.new_password };
      setErrors(found);
      if (found.current) refs.current.current?.focus();
      else if (found.next) refs.next.current?.focus();
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mutation.isPending) return;
    const found: Partial<Record<Field, string>> = {
      current: values.current ? undefined : 'Enter your current password.',
      next: values.next.length >= MIN_PASSWORD_LENGTH ? undefined : `Use at least ${MIN_PASSWORD_LENGTH} characters.`,
      confirm: values.confirm === values.next ? undefined : 'This is not the same as the new password.',
    };
    setErrors(found);
    const first = (['current', 'next', 'confirm'] as const).find((field) => found[field]);
    if (first) return refs[first].current?.focus();
    mutation.mutate();
  };

  const set = (field: Field) => (event: ChangeEvent<HTMLInputElement>) => {
    const value = event.currentTarget.value;
    setValues((v) => ({ ...v, [field]: value }));
  };
  const fieldsOnly = mutation.isError && Object.keys(fieldErrors(mutation.error)).length > 0;

  return (
    <form onSubmit={submit} noValidate aria-label="Change password">
      <Stack gap="sm">
        {mutation.isError && !fieldsOnly && (
          <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} title="Could not change the password" role="alert">
            {mutation.error.message}
          </Alert>
        )}
        <SecretInput
          ref={refs.current}
          label="Current password"
          autoComplete="current-password"
          required
          value={values.current}
          onChange={set('current')}
          error={errors.current}
        />
        <SecretInput
          ref={refs.next}
          label="New password"
          description={`At least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words make a good one.`}
          autoComplete="new-password"
          required
          value={values.next}
          onChange={set('next')}
          error={errors.next}
        />
        <SecretInput
          ref={refs.confirm}
          label="New password, again"
          autoComplete="new-password"
          required
          value={values.confirm}
          onChange={set('confirm')}
          error={errors.confirm}
        />
        <Button
          type="submit"
          mt="xs"
          aria-busy={mutation.isPending || undefined}
          leftSection={mutation.isPending ? <Loader size={14} color="currentColor" aria-hidden /> : undefined}
          style={{ alignSelf: 'flex-start' }}
        >
          {submitLabel}
        </Button>
      </Stack>
    </form>
  );
}
