// The dashboard's pages and their URLs (src/api/dashboard-files.ts PAGE_PATHS lists the same prefixes for reloads).
// A new page: a file under pages/, one entry here, and its prefix in PAGE_PATHS if it is a new one.

import type { FunctionComponent } from 'preact';
import type { NavEntry } from './components/layout.js';
import { EndpointPage } from './pages/endpoint-page.js';
import { ModelsPage } from './pages/models-page.js';
import { MonitoringPage } from './pages/monitoring-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { RolloutPage } from './pages/rollout-page.js';

export interface Route {
  pattern: string;
  page: FunctionComponent<Record<string, string>>;
  title: (params: Record<string, string>) => string;
}

export const ROUTES: Route[] = [
  { pattern: '/', page: OverviewPage, title: () => 'Overview' },
  { pattern: '/endpoints', page: OverviewPage, title: () => 'Overview' },
  { pattern: '/endpoints/:name', page: EndpointPage, title: (p) => `Endpoint ${p.name}` },
  { pattern: '/rollouts', page: RolloutPage, title: () => 'Rollouts' },
  { pattern: '/rollouts/:name', page: RolloutPage, title: (p) => `Rollout of ${p.name}` },
  { pattern: '/models', page: ModelsPage, title: () => 'Models' },
  { pattern: '/models/:name', page: ModelsPage, title: (p) => `Model ${p.name}` },
  { pattern: '/monitoring', page: MonitoringPage, title: () => 'Monitoring' },
  { pattern: '/monitoring/:name', page: MonitoringPage, title: (p) => `Monitoring ${p.name}` },
];

export const NAV: NavEntry[] = [
  { href: '/', label: 'Overview', active: (p) => p === '/' || p.startsWith('/endpoints') },
  { href: '/rollouts', label: 'Rollouts', active: (p) => p.startsWith('/rollouts') },
  { href: '/models', label: 'Models', active: (p) => p.startsWith('/models') },
  { href: '/monitoring', label: 'Monitoring', active: (p) => p.startsWith('/monitoring') },
];
