import { Notifications } from '@mantine/notifications';
import { screen, waitFor, within } from '@testing-library/react';
import userEventLib from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, listOf, user } from '../test/accountsFakes';
import { fakeApi, me, onAPhone, renderWithProviders } from '../test/utils';
import { UsersPage } from './UsersPage';

const userEvent = userEventLib.setup({ delay: null });
const SLOW = { timeout: 20_000 };

const admin = user();
const viewer = user({ id: 8, email: 'viewer@example.com', role: 'viewer', created_by: 'user:admin@example.com', last_sign_in_at: null });

function renderPage() {
  // Signed in as user 7, the admin.
  return renderWithProviders(
    <>
      <Notifications />
      <UsersPage />
    </>,
    { as: { ...me('admin', 'admin@example.com'), id: '7' } },
  );
}

/** The table row of `email`, or its card on a phone (`'li'`). */
function row(email: string, tag = 'tr'): HTMLElement {
  const found = document.querySelector<HTMLElement>(`${tag}[data-user="${email}"]`);
  if (!found) throw new Error(`no row of ${email}`);
  return found;
}

describe('UsersPage', SLOW, () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lists the users with their role, status, last sign-in and who added them', async () => {
    fakeApi({ '/api/users': listOf([admin, viewer]) });
    renderPage();
    await waitFor(() => row('viewer@example.com'));
    const mine = row('admin@example.com');
    expect(within(mine).getByText('You')).toBeInTheDocument();
    expect(within(mine).getByRole('combobox', { name: 'Role of admin@example.com' })).toHaveValue('admin');
    expect(within(mine).getByText('by command line')).toBeInTheDocument();
    // Disabling yourself is refused, with the reason.
    const disableMe = within(mine).getByRole('button', { name: /Disable/ });
    expect(disableMe).toHaveAttribute('aria-disabled', 'true');
    expect(disableMe).toHaveAccessibleDescription("You can't disable your own account: ask another admin.");
    const theirs = row('viewer@example.com');
    expect(within(theirs).getByText('never')).toBeInTheDocument();
    expect(within(theirs).getByText('by admin@example.com')).toBeInTheDocument();
  });

  it('on a phone shows each user as a card with what the row shows and the same actions', async () => {
    onAPhone();
    fakeApi({ '/api/users': listOf([admin, viewer]) });
    renderPage();
    const theirs = await waitFor(() => row('viewer@example.com', 'li'));
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.getByRole('list', { name: '2 users' })).toBeInTheDocument();
    expect(theirs).toHaveTextContent('Active');
    expect(theirs).toHaveTextContent('Last sign-in never');
    expect(theirs).toHaveTextContent('by admin@example.com');
    const mine = row('admin@example.com', 'li');
    expect(within(mine).getByText('You')).toBeInTheDocument();
    expect(within(mine).getByRole('button', { name: /Disable/ })).toHaveAttribute('aria-disabled', 'true');
    expect(within(theirs).getByRole('button', { name: /Reset password/ })).toBeInTheDocument();
    expect(within(theirs).getByRole('combobox', { name: 'Role of viewer@example.com' })).toHaveValue('viewer');
    await userEvent.click(within(theirs).getByRole('button', { name: /Disable/ }));
    expect(await screen.findByRole('dialog', { name: 'Disable this user?' })).toBeInTheDocument();
  });

  it('adds a user and shows the generated password once, with a copy button and the warning', async () => {
    let users = [admin];
    const { calls } = fakeApi({
      '/api/users': () => listOf(users),
      'POST /api/users': () => {
        users = [admin, user({ id: 9, email: 'new@example.com', role: 'editor', must_change_password: true })];
        return [201, { user: users[1], password: 'Tmp-pass-123456789012' }];
      },
    });
    renderPage();
    await waitFor(() => row('admin@example.com'));
    await userEvent.click(screen.getByRole('button', { name: 'Add user' }));
    const form = await screen.findByRole('dialog', { name: 'Add a user' });
    await userEvent.type(within(form).getByLabelText(/^Email/), 'new@example.com');
    await userEvent.selectOptions(within(form).getByLabelText('Role'), 'editor');
    await userEvent.click(within(form).getByRole('button', { name: 'Add user' }));

    const shown = await screen.findByRole('dialog', { name: 'User added: their temporary password' });
    expect(within(shown).getByTestId('shown-once-value')).toHaveTextContent('Tmp-pass-123456789012');
    expect(within(shown).getByText("Copy it now: it won't be shown again")).toBeInTheDocument();
    expect(within(shown).getByRole('button', { name: 'Copy' })).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ email: 'new@example.com', role: 'editor' });

    await userEvent.click(within(shown).getByRole('button', { name: 'I have copied it' }));
    await waitFor(() => expect(screen.queryByText('Tmp-pass-123456789012')).toBeNull());
    await waitFor(() => row('new@example.com'));
    expect(within(row('new@example.com')).getByText('Temporary password')).toBeInTheDocument();
  });

  it('shows a taken email at the field', async () => {
    fakeApi({
      '/api/users': listOf([admin]),
      'POST /api/users': apiError(409, 'email_exists', "A user with the email 'admin@example.com' exists already."),
    });
    renderPage();
    await waitFor(() => row('admin@example.com'));
    await userEvent.click(screen.getByRole('button', { name: 'Add user' }));
    const form = await screen.findByRole('dialog', { name: 'Add a user' });
    await userEvent.type(within(form).getByLabelText(/^Email/), 'admin@example.com{Enter}');
    await waitFor(() =>
      expect(within(form).getByLabelText(/^Email/)).toHaveAccessibleDescription(/exists already/),
    );
  });

  it('shows the last-admin refusal clearly, and the role stays as it was', async () => {
    fakeApi({
      '/api/users': listOf([admin, viewer]),
      'PATCH /api/users/7': apiError(409, 'last_admin', 'This is the last active admin: make someone else admin first.'),
    });
    renderPage();
    await waitFor(() => row('viewer@example.com'));
    const select = within(row('admin@example.com')).getByRole('combobox', { name: 'Role of admin@example.com' });
    await userEvent.selectOptions(select, 'viewer');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not change the role of admin@example.com');
    expect(alert).toHaveTextContent('This is the last active admin: make someone else admin first.');
    await waitFor(() => expect(select).toHaveValue('admin'));
    expect(screen.queryByText('Role changed')).toBeNull(); // never a success for a refused change
  });

  it('disables a user after confirmation', async () => {
    const { calls } = fakeApi({
      '/api/users': listOf([admin, viewer]),
      'PATCH /api/users/8': { ...viewer, disabled: true },
    });
    renderPage();
    await waitFor(() => row('viewer@example.com'));
    await userEvent.click(within(row('viewer@example.com')).getByRole('button', { name: /Disable/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Disable this user?' });
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Disable user' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ disabled: true }));
  });

  it('resets a password after confirmation and shows the new one once', async () => {
    fakeApi({
      '/api/users': listOf([admin, viewer]),
      'POST /api/users/8/reset-password': { user: { ...viewer, must_change_password: true }, password: 'Reset-pass-0987654321' },
    });
    renderPage();
    await waitFor(() => row('viewer@example.com'));
    await userEvent.click(within(row('viewer@example.com')).getByRole('button', { name: /Reset password/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Reset this password?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reset password' }));
    const shown = await screen.findByRole('dialog', { name: 'Password reset: their temporary password' });
    expect(within(shown).getByTestId('shown-once-value')).toHaveTextContent('Reset-pass-0987654321');
  });
});
