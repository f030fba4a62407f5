import { screen, waitFor } from '@testing-library/react';
import userEventLib from '@testing-library/user-event';
import { Route, Routes, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me, renderWithProviders } from '../test/utils';
import { SignInPage, formatWait } from './SignInPage';
import { safeNext } from './session';

const userEvent = userEventLib.setup({ delay: null });

function Where() {
  const location = useLocation();
  return <output data-testid="where">{location.pathname + location.search}</output>;
}

function renderSignIn(route = '/signin?next=%2Fproducts%3Fsku%3DAB') {
  return renderWithProviders(
    <Routes>
      <Route path="/signin" element={<SignInPage />} />
      <Route path="*" element={<Where />} />
    </Routes>,
    { route },
  );
}

const email = () => screen.getByLabelText(/^Email/);
const password = () => screen.getByLabelText(/^Password/);

describe('SignInPage', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('says which field is missing before asking the API', async () => {
    const { calls } = fakeApi({});
    renderSignIn();
    expect(email()).toHaveFocus();
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(email()).toHaveAccessibleDescription('Enter your email.');
    expect(email()).toHaveFocus();
    await userEvent.type(email(), 'ops@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(password()).toHaveAccessibleDescription('Enter your password.');
    expect(calls).toHaveLength(0);
  });

  it('shows a wrong password at the form, empties the password and puts the focus back in it', async () => {
    fakeApi({
      'POST /api/auth/login': [401, { error: { status: 401, code: 'invalid_credentials', message: 'The email or the password is not right.' } }],
    });
    renderSignIn();
    await userEvent.type(email(), 'ops@example.com');
    await userEvent.type(password(), 'not it{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Wrong email or password');
    expect(password()).toHaveValue('');
    expect(password()).toHaveFocus();
    expect(screen.queryByTestId('where')).toBeNull(); // still on the sign-in page
  });

  it('says how long to wait after too many failures', async () => {
    fakeApi({
      'POST /api/auth/login': [
        429,
        { error: { status: 429, code: 'rate_limited', message: 'Too many failed sign-ins. Try again in 840 s.', retry_after: 840 } },
      ],
    });
    renderSignIn();
    await userEvent.type(email(), 'ops@example.com');
    await userEvent.type(password(), 'guess{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Too many failed sign-ins');
    expect(alert).toHaveTextContent('try again in 14 minutes');
  });

  it('signs in with JSON and goes where they were', async () => {
    const { calls } = fakeApi({ 'POST /api/auth/login': me('editor', 'ops@example.com') });
    renderSignIn();
    await userEvent.type(email(), ' ops@example.com ');
    await userEvent.type(password(), 'correct horse battery{Enter}');
    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent('/products?sku=AB'));
    expect(calls[0].body).toEqual({ email: 'ops@example.com', password: 'correct horse battery' });
    expect(calls[0].headers['Content-Type']).toBe('application/json');
  });

  it('never goes to another site after signing in', () => {
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example/')).toBe('/');
    expect(safeNext('/signin?next=/x')).toBe('/');
    expect(safeNext('/imports#job-1')).toBe('/imports#job-1');
  });

  it('formats the wait', () => {
    expect(formatWait(1)).toBe('1 second');
    expect(formatWait(45)).toBe('45 seconds');
    expect(formatWait(61)).toBe('2 minutes');
    expect(formatWait(900)).toBe('15 minutes');
  });
});
