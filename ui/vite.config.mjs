// The web UI build: ui/ → ui/dist (index.html + hashed files under assets/), which `berth serve`
// serves from `/`. Nothing is inlined (no data: URIs, no inline scripts), so the page runs under a
// Content-Security-Policy without 'unsafe-inline'.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
});
