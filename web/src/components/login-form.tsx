// Asks for the server's token, checks it against the API before keeping it, and says plainly when it is refused.

import { useState } from 'preact/hooks';
import { ApiError, apiCall } from '../lib/api-client.js';

export interface LoginFormProps {
  /** Why the form is shown (a refused or expired token). */
  notice?: string;
  onLogin: (token: string) => void;
}

export function LoginForm({ notice, onLogin }: LoginFormProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const value = token.trim();
    if (!value) {
      setError('Enter a token.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      // Any endpoint behind the token would do; this one is cheap.
      await apiCall('/api/v1/endpoints', { token: value });
      onLogin(value);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError('The server refused this token. Check it and try again.');
      else if (err instanceof ApiError && err.status === 403) setError('This token is valid but may not read endpoints; the dashboard needs at least read access.');
      else setError(err instanceof ApiError ? err.explanation : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <h1>Slipway</h1>
      <p>This server needs a token for its management API. It is kept in this tab only, until the tab closes.</p>
      {notice ? <p class="notice">{notice}</p> : null}
      <form onSubmit={(e) => void submit(e)}>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="current-password" value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)} aria-describedby={error ? 'token-error' : undefined} aria-invalid={error ? true : undefined} />
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Checking…' : 'Log in'}</button>
        {error ? <p id="token-error" class="error-box" role="alert">{error}</p> : null}
      </form>
    </main>
  );
}
