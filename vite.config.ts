import type { IncomingMessage } from 'node:http';
import { defineConfig, type ProxyOptions } from 'vite';

const API = process.env.MAESTRO_API_URL ?? 'http://127.0.0.1:3000';

/**
 * The server refuses any Origin but its own. Requests from the dev server's own page are passed off as
 * the server's; any other origin is forwarded untouched, so the server still refuses it.
 */
const asOwnPage: ProxyOptions['configure'] = (proxy) => {
  const rewrite = (proxyReq: { setHeader(name: string, value: string): void }, req: IncomingMessage) => {
    if (req.headers.origin !== undefined && req.headers.origin === `http://${req.headers.host}`) proxyReq.setHeader('origin', new URL(API).origin);
  };
  proxy.on('proxyReq', rewrite);
  proxy.on('proxyReqWs', rewrite);
};

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
    // `vite` (dev) proxies the API and both WebSockets to a running `maestro serve`. Sign in with the
    // login link's `#token=…` on the dev server's own address; the cookie then rides the proxy.
    proxy: {
      '/api': { target: API, changeOrigin: true, configure: asOwnPage },
      '/ws': { target: API, ws: true, changeOrigin: true, configure: asOwnPage },
    },
  },
}));
