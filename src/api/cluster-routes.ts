// The cluster API: which replicas share this store and which holds which duty (GET /api/v1/cluster).

import type { FastifyInstance } from 'fastify';

/** What a replica knows of its cluster; duty-leases.ts gives it (kept structural here: api does not import the root). */
export interface ClusterView {
  self: string;
  replicas: { id: string; pid: number; host: string; startedAt: string; lastSeen: number }[];
  duties: { duty: string; holder: string; expiresAt: number }[];
}

export interface ClusterRouteOptions {
  cluster: () => Promise<ClusterView>;
}

export async function clusterRoutes(app: FastifyInstance, opts: ClusterRouteOptions): Promise<void> {
  app.get('/api/v1/cluster', { schema: { tags: ['cluster'], summary: 'Replicas sharing this store, and which holds which duty' } }, async () => {
    const view = await opts.cluster();
    const now = Date.now();
    return {
      self: view.self,
      replicas: view.replicas.map((r) => ({ ...r, lastSeen: new Date(r.lastSeen).toISOString() })),
      duties: view.duties.map((d) => ({ duty: d.duty, holder: d.holder, expiresAt: new Date(d.expiresAt).toISOString(), live: d.expiresAt > now })),
    };
  });
}
