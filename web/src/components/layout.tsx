// The app shell: a skip link, the navigation (one entry per page kind), the signed-in state and the page.

import type { ComponentChildren } from 'preact';
import { Link } from './link.js';

export interface NavEntry {
  href: string;
  label: string;
  /** Whether the current path belongs to this entry. */
  active: (path: string) => boolean;
}

export interface LayoutProps {
  nav: NavEntry[];
  path: string;
  /** Shown when the server needs a token and the tab has one. */
  onLogout?: () => void;
  children: ComponentChildren;
}

export function Layout({ nav, path, onLogout, children }: LayoutProps) {
  return (
    <>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="top">
        <Link href="/"><span class="brand">Slipway</span></Link>
        <nav aria-label="Pages">
          <ul>
            {nav.map((n) => <li key={n.href}><Link href={n.href} current={n.active(path)}>{n.label}</Link></li>)}
          </ul>
        </nav>
        <span class="spacer" />
        <a href="/api/docs" class="muted">API</a>
        {onLogout ? <button type="button" onClick={onLogout}>Log out</button> : null}
      </header>
      <main id="main" tabIndex={-1}>{children}</main>
    </>
  );
}
