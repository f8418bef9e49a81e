// The dashboard: draws the page the URL names at once, and asks for a token when the API answers 401 (a server with
// an admin token, or a tab whose token was refused); a server without one never shows a login.

import { useEffect, useState } from 'preact/hooks';
import { Layout } from './components/layout.js';
import { LoginForm } from './components/login-form.js';
import { onUnauthenticated } from './lib/api-client.js';
import { match, usePath } from './lib/router.js';
import { clearToken, readToken, saveToken } from './lib/token-store.js';
import { NAV, ROUTES } from './routes.js';

type Access = { kind: 'pages'; token: boolean } | { kind: 'login'; notice?: string };

export function App() {
  const path = usePath();
  const [access, setAccess] = useState<Access>({ kind: 'pages', token: readToken() !== undefined });

  useEffect(() => onUnauthenticated(() => {
    const had = readToken() !== undefined;
    clearToken();
    setAccess({ kind: 'login', ...(had ? { notice: 'The server refused the token this tab had (changed or revoked?); log in again.' } : {}) });
  }), []);

  const found = ROUTES.map((r) => ({ route: r, params: match(r.pattern, path) })).find((m) => m.params !== undefined);
  useEffect(() => {
    document.title = found ? `${found.route.title(found.params!)} · Slipway` : 'Not found · Slipway';
  }, [path]);

  if (access.kind === 'login') {
    return <LoginForm {...(access.notice ? { notice: access.notice } : {})} onLogin={(token) => { saveToken(token); setAccess({ kind: 'pages', token: true }); }} />;
  }
  const logout = access.token ? () => { clearToken(); setAccess({ kind: 'login', notice: 'Logged out.' }); } : undefined;
  return (
    <Layout nav={NAV} path={path} {...(logout ? { onLogout: logout } : {})}>
      {found ? <found.route.page key={path} {...found.params!} /> : <section><h1>Not found</h1><p>No dashboard page at {path}.</p></section>}
    </Layout>
  );
}
