// Client-side routing over the History API: the current path as state, links that navigate without a reload, and
// matching of "/endpoints/:name" patterns. Every page URL also reloads (the server answers index.html for it).

import { useEffect, useState } from 'preact/hooks';

type Listener = (path: string) => void;
const listeners = new Set<Listener>();

function currentPath(): string {
  return location.pathname;
}

export function navigate(path: string): void {
  if (path === currentPath()) return;
  history.pushState(null, '', path);
  for (const l of listeners) l(path);
}

addEventListener('popstate', () => {
  for (const l of listeners) l(currentPath());
});

export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    listeners.add(setPath);
    return () => void listeners.delete(setPath);
  }, []);
  return path;
}

/** Parameters of `pattern` ("/endpoints/:name") in `path`, or undefined when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
}

/** A plain click on a same-origin link navigates in the app; modified clicks (new tab) stay the browser's. */
export function onLinkClick(event: MouseEvent, href: string): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(href);
}
