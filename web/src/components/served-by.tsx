// Which endpoints serve a model version: each live variant running it, linked to its endpoint, with its weight.

import { seg } from '../lib/api-client.js';
import type { EndpointView } from '../lib/api-types.js';
import { Link } from './link.js';

export interface VersionUse {
  endpoint: string;
  variant: string;
  weight: number;
}

/** Endpoint and variant for every deployed variant running `id` (name:version). */
export function servedBy(endpoints: EndpointView[] | undefined, id: string): VersionUse[] {
  return (endpoints ?? []).flatMap((e) => e.variants.filter((v) => v.model === id).map((v) => ({ endpoint: e.name, variant: v.name, weight: v.weight })));
}

export function ServedBy({ uses }: { uses: VersionUse[] }) {
  if (uses.length === 0) return <span class="muted">not deployed</span>;
  return (
    <ul class="alias-list">
      {uses.map((u) => <li key={`${u.endpoint}/${u.variant}`}><Link href={`/endpoints/${seg(u.endpoint)}`}>{u.endpoint}</Link> <span class="muted">({u.variant}, weight {u.weight})</span></li>)}
    </ul>
  );
}
