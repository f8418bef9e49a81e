// Serves the built dashboard (dist/web): hashed assets cached for good, index.html for every page URL, gzip when asked.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../core/errors.js';

/** Where `npm run build` writes the dashboard (vite, web/vite.config.ts): dist/web, from src/api and dist/api alike. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/**
 * The dashboard's page URLs (web/src/routes.ts has the same list): a reload or a shared link of any of them gets
 * index.html, and the app's router draws the page. Nothing under /api, /v2 or /metrics is a page.
 */
export const PAGE_PATHS = ['/', '/endpoints', '/endpoints/*', '/rollouts', '/rollouts/*', '/models', '/models/*', '/monitoring', '/monitoring/*'] as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
};
/** Worth compressing; images are compressed already. */
const TEXT = new Set(['.html', '.js', '.css', '.svg', '.json', '.map']);

/** Scripts, styles and data from this server only: the dashboard works offline and loads nothing from elsewhere. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

interface StaticFile {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
}

function load(path: string): StaticFile {
  const body = readFileSync(path);
  const ext = extname(path);
  const gzip = TEXT.has(ext) && body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined;
  return { body, gzip, type: TYPES[ext] ?? 'application/octet-stream' };
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile, cacheControl: string): FastifyReply {
  void reply.header('content-type', file.type).header('cache-control', cacheControl).header('vary', 'accept-encoding')
    .header('x-content-type-options', 'nosniff');
  const accepts = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (file.gzip && accepts) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.body);
}

/** The dashboard's routes. Files are read (and compressed) once, at start: they never change while a server runs. */
export async function dashboardFiles(app: FastifyInstance, opts: { root?: string }): Promise<void> {
  const root = opts.root ?? DEFAULT_WEB_ROOT;
  const indexPath = join(root, 'index.html');
  const index: StaticFile = existsSync(indexPath)
    ? load(indexPath)
    : { body: Buffer.from('<!doctype html><title>Slipway</title><p>The dashboard is not built: run <code>npm run build</code>.</p>'), gzip: undefined, type: TYPES['.html']! };
  const assets = new Map<string, StaticFile>();
  const assetDir = join(root, 'assets');
  if (existsSync(assetDir)) for (const name of readdirSync(assetDir)) assets.set(name, load(join(assetDir, name)));

  const page = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
    // Always revalidated: a new build's index names new asset files.
    send(request, reply.header('content-security-policy', CSP), index, 'no-cache');
  for (const path of PAGE_PATHS) app.get(path, { schema: { hide: true } }, page);

  app.get('/assets/:file', { schema: { hide: true } }, async (request: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const file = assets.get(request.params.file);
    if (!file) throw new NotFoundError(`no dashboard file "${request.params.file}"`);
    // Asset names carry a hash of their content (vite): a changed file is a new name, so a copy is good forever.
    return send(request, reply, file, 'public, max-age=31536000, immutable');
  });
}
