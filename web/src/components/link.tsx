// A link to a dashboard page: a real href (open in a new tab, copy), navigating in the app on a plain click.

import type { ComponentChildren } from 'preact';
import { onLinkClick } from '../lib/router.js';

export function Link({ href, children, current }: { href: string; children: ComponentChildren; current?: boolean }) {
  return (
    <a href={href} onClick={(e) => onLinkClick(e, href)} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  );
}
