import { Alert, Button, Loader, Stack, TextInput } from '@mantine/core';
import { IconAlertTriangle, IconClock, IconLogin } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { accountKeys, signIn } from '../api/accountsClient';
import { ApiError } from '../api/client';
import { SecretInput } from '../components/auth/SecretInput';
import { AuthLayout } from './AuthLayout';
import { safeNext } from './session';

/** "2 minutes", "45 seconds": how long to wait after too many failed sign-ins. */
export function formatWait(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.ceil(seconds))} second${Math.ceil(seconds) === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** What went wrong, in the words the form shows. */
export function signInProblem(error: unknown): { title: string; message: string } {
  if (error instanceof ApiError) {
    if (error.status === 401) {
      return { title: 'Wrong email or password', message: 'Check both and try again. Passwords are case-sensitive.' };
    }
    if (error.status === 429) {
      const wait = Number(error.body?.retry_after);
      return {
        title: 'Too many failed sign-ins',
        message: Number.isFinite(wait) && wait > 0
          ? `This account is locked for now: try again in ${formatWait(wait)}.`
          : 'This account is locked for now: try again in a few minutes.',
      };
    }
  }
  return { title: 'Could not sign in', message: error instanceof Error ? error.message : String(error) };
}

/** `/signin?next=/products`: email and password; then back to where they were. */
export function SignInPage() {
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const expired = (location.state as { expired?: boolean } | null)?.expired === true;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<{ email?: string; password?: string }>({});
  const emailInput = useRef<HTMLInputElement>(null);
  const passwordInput = useRef<HTMLInputElement>(null);

  const mutation = useMutation({
    mutationFn: () => signIn(email.trim(), password),
    onSuccess: (me) => {
      // Nothing read as whoever was signed in before may show now.
      queryClient.clear();
      queryClient.setQueryData(accountKeys.me, me);
      navigate(safeNext(params.get('next')), { replace: true });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 401) {
        setPassword('');
        passwordInput.current?.focus();
      }
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mutation.isPending) return;
    const problems = {
      email: email.trim() ? undefined : 'Enter your email.',
      password: password ? undefined : 'Enter your password.',
    };
    setMissing(problems);
    if (problems.email) return emailInput.current?.focus();
    if (problems.password) return passwordInput.current?.focus();
    mutation.mutate();
  };

  const problem = mutation.isError ? signInProblem(mutation.error) : null;
  return (
    <AuthLayout title="Sign in" intro="With the email and password an admin gave you.">
      {expired && !problem && (
        <Alert color="blue" variant="light" icon={<IconClock aria-hidden />} title="Your session has ended">
          Sign in again to go on where you were.
        </Alert>
      )}
      {problem && (
        <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} title={problem.title} role="alert">
          {problem.message}
        </Alert>
      )}
      <form onSubmit={submit} noValidate aria-label="Sign in">
        <Stack gap="sm">
          <TextInput
            ref={emailInput}
            label="Email"
            type="email"
            autoComplete="username"
            inputMode="email"
            spellCheck={false}
            required
            value={email}
            onChange={(event) => setEmail(event.currentTarget.value)}
            error={missing.email}
            autoFocus
          />
          <SecretInput
            ref={passwordInput}
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            error={missing.password}
          />
          {/* Not Mantine's `loading`: it disables the button, and a disabled button drops the focus. */}
          <Button
            type="submit"
            mt="xs"
            fullWidth
            aria-busy={mutation.isPending || undefined}
            leftSection={mutation.isPending ? <Loader size={14} color="currentColor" aria-hidden /> : <IconLogin size={16} aria-hidden />}
          >
            {mutation.isPending ? 'Signing in…' : 'Sign in'}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
