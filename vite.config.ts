import { defineConfig } from 'vite';

/*
 * The dashboard (web/) is built into dist/web/, which `maestro serve` serves at `/`.
 *
 * UI library: Preact. ~4 kB of runtime against ~45 kB for React + ReactDOM, the same component and
 * hooks API, and it needs no Vite plugin: the JSX transform (oxc, built into Vite 8) is simply
 * pointed at `preact/jsx-runtime`. The dashboard is a handful of views fed by one WebSocket, so a
 * small, plugin-free toolchain is all it needs; the weight goes to xterm.js, which it must have.
 *
 * Vitest reads vitest.config.ts; should it ever fall back to this file (mode 'test'), it gets no
 * `root`, so test discovery keeps running from the repository root.
 */
export default defineConfig(({ mode }) => ({
  ...(mode === 'test' ? {} : { root: 'web' }),
  base: '/',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `vite` (dev) proxies the API and both WebSockets to a running `maestro serve`.
    proxy: {
      '/api': process.env.MAESTRO_API_URL ?? 'http://127.0.0.1:3000',
      '/ws': { target: process.env.MAESTRO_API_URL ?? 'http://127.0.0.1:3000', ws: true },
    },
  },
}));
