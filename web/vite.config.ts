// The dashboard's build: Preact through oxc's automatic JSX runtime (no plugin), hashed files into dist/web.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // The server serves these files itself; no source maps shipped (they would double the package for no user).
    sourcemap: false,
    target: 'es2022',
    reportCompressedSize: false,
    rollupOptions: {
      // chart-lab.html is a test bench (test/dashboard-chart.test.ts); the server serves only index.html as a page.
      input: { index: fileURLToPath(new URL('index.html', import.meta.url)), 'chart-lab': fileURLToPath(new URL('chart-lab.html', import.meta.url)) },
    },
  },
});
