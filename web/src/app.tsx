// The dashboard: finds out whether the server wants a token, asks for it when so, and draws the page the URL names.

import { useEffect, useState } from 'preact/hooks';
import { Layout } from './components/layout.js';
import { LoginForm } from './components/login-form.js';
import { ErrorBox } from './components/error-box.js';
import { ApiError, apiCall, onUnauthenticated } from './lib/api-client.js';
import { match, usePath } from './lib/router.js';
import { clearToken, readToken, saveToken } from './lib/token-store.js';
import { NAV, ROUTES } from './routes.js';

type Access = { kind: 'checking' } | { kind: 'open' } | { kind: 'token' } | { kind: 'login'; notice?: string } | { kind: 'error'; error: unknown };

export function App() {
  const path = usePath();
  const [access, setAccess] = useState<Access>({ kind: 'checking' });

  const check = (): void => {
    setAccess({ kind: 'checking' });
    const token = readToken();
    // Without a token first: a server with none configured answers, and the dashboard shows no login at all.
    apiCall('/api/v1/endpoints', token ? { token } : {})
      .then(() => setAccess({ kind: token ? 'token' : 'open' }))
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) {
          if (token) clearToken();
          setAccess({ kind: 'login', ...(token ? { notice: 'Your token was refused; log in again.' } : {}) });
        } else setAccess({ kind: 'error', error: err });
      });
  };

  useEffect(check, []);
  useEffect(() => onUnauthenticated(() => {
    clearToken();
    setAccess({ kind: 'login', notice: 'The server refused the token (expired or revoked?); log in again.' });
  }), []);

  const found = ROUTES.map((r) => ({ route: r, params: match(r.pattern, path) })).find((m) => m.params !== undefined);
  useEffect(() => {
    document.title = found ? `${found.route.title(found.params!)} · Slipway` : 'Not found · Slipway';
  }, [path]);

  if (access.kind === 'checking') return <p class="muted" role="status">Connecting…</p>;
  if (access.kind === 'login') {
    return <LoginForm {...(access.notice ? { notice: access.notice } : {})} onLogin={(token) => { saveToken(token); setAccess({ kind: 'token' }); }} />;
  }
  const logout = access.kind === 'token' ? () => { clearToken(); setAccess({ kind: 'login', notice: 'Logged out.' }); } : undefined;
  return (
    <Layout nav={NAV} path={path} {...(logout ? { onLogout: logout } : {})}>
      {access.kind === 'error' ? <ErrorBox error={access.error} retry={check} />
        : found ? <found.route.page key={path} {...found.params!} />
        : <section><h1>Not found</h1><p>No dashboard page at {path}.</p></section>}
    </Layout>
  );
}
