import { Button, Center, Loader, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, type ReactNode } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { accountKeys, getMe, signOut } from '../api/accountsClient';
import { ApiError, onSessionFailure } from '../api/client';
import { ChangePasswordForm } from '../components/auth/ChangePasswordForm';
import { LoadError } from '../components/LoadStates';
import { notify } from '../components/products/notify';
import { AuthLayout } from './AuthLayout';
import { SessionContext, signInPath } from './session';

/**
 * Everything but the sign-in page is behind this gate: it asks who is signed in
 * (GET /api/auth/me) and gives the answer to the screens (useMe). Signed out, or the session
 * ended, on start or at any call later (a 401 anywhere, see client.ts onSessionFailure): the
 * sign-in page, which brings them back here. A temporary password: the change-password screen
 * first, which the edge enforces too (403 password_change_required on everything else).
 */
export function SessionGate({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const here = `${location.pathname}${location.search}${location.hash}`;
  const me = useQuery({ queryKey: accountKeys.me, queryFn: getMe, retry: false, staleTime: 60_000 });

  useEffect(
    () =>
      onSessionFailure((error) => {
        if (error.status === 401) {
          navigate(signInPath(here), { replace: true, state: { expired: error.code === 'session_expired' } });
          // Nothing read in the session that ended stays in memory, or on screen.
          queryClient.clear();
          notifications.clean();
        } else {
          void queryClient.invalidateQueries({ queryKey: accountKeys.me });
        }
      }),
    [navigate, queryClient, here],
  );

  // Ask again when the session is due to end: the answer is the sign-in page, or (the session was
  // in use meanwhile) a later end.
  const expiresAt = me.data?.session_expires_at;
  useEffect(() => {
    if (!expiresAt) return;
    const delay = Date.parse(expiresAt) - Date.now() + 1_000;
    if (!(delay > 0) || delay > 2 ** 31 - 1) return;
    const timer = setTimeout(() => void queryClient.invalidateQueries({ queryKey: accountKeys.me }), delay);
    return () => clearTimeout(timer);
  }, [expiresAt, queryClient]);

  if (me.isPending) {
    return (
      <Center mih="100dvh">
        <Loader role="status" aria-label="Checking who is signed in" />
      </Center>
    );
  }
  if (me.isError) {
    if (me.error instanceof ApiError && me.error.status === 401) {
      return <Navigate to={signInPath(here)} replace state={{ expired: me.error.code === 'session_expired' }} />;
    }
    return (
      <Center mih="100dvh" p="md">
        <Stack maw={480}>
          <LoadError title="Could not check who is signed in" message={me.error.message} onRetry={() => me.refetch()} retrying={me.isFetching} />
        </Stack>
      </Center>
    );
  }
  if (me.data.must_change_password) return <FirstPasswordChange email={me.data.name} />;
  return <SessionContext.Provider value={me.data}>{children}</SessionContext.Provider>;
}

/** Signed in with a temporary password: nothing else works until they choose their own. */
function FirstPasswordChange({ email }: { email: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const leave = async () => {
    await signOut().catch(() => {});
    queryClient.clear();
    navigate('/signin', { replace: true });
  };
  return (
    <AuthLayout
      title="Choose your password"
      intro={
        <>
          You signed in as <strong>{email}</strong> with a temporary password. Choose your own to go on; the
          temporary one stops working.
        </>
      }
    >
      <ChangePasswordForm
        submitLabel="Save and continue"
        onDone={() => {
          notify({ color: 'green', title: 'Password saved', message: 'From now on, sign in with your new password.' });
          void queryClient.invalidateQueries({ queryKey: accountKeys.me });
        }}
      />
      <Text size="sm" c="dimmed">
        Not you?{' '}
        <Button variant="subtle" size="compact-sm" onClick={() => void leave()}>
          Sign out
        </Button>
      </Text>
    </AuthLayout>
  );
}
