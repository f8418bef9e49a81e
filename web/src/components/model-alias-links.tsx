// A model's aliases as "@alias → vN" links to the versions they point at.

import { seg } from '../lib/api-client.js';
import { Link } from './link.js';

export function AliasLinks({ name, aliases }: { name: string; aliases: Record<string, number> }) {
  const entries = Object.entries(aliases).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <span class="muted">–</span>;
  return (
    <ul class="alias-list">
      {entries.map(([alias, v]) => <li key={alias}><span class="alias-tag">@{alias}</span> → <Link href={`/models/${seg(name)}/${v}`}>v{v}</Link></li>)}
    </ul>
  );
}
