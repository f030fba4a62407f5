/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` proxies /api to the edge of a running stack (make run), so the dashboard
// talks to the real services exactly as it does when nginx serves the built files.
const edge = process.env.PI_EDGE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { '/api': { target: edge, changeOrigin: false } },
  },
  preview: {
    proxy: { '/api': { target: edge, changeOrigin: false } },
  },
  build: {
    outDir: 'dist',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
  test: {
    // Component tests only: e2e/*.test.mjs are browser scenarios for Node's runner (npm run e2e).
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    css: false,
    // The machine is shared: a couple of workers is plenty for component tests.
    maxWorkers: 2,
    restoreMocks: true,
    // jsdom renders of whole screens take seconds on a busy 2-core machine; 5 s flaked there.
    testTimeout: 20_000,
  },
});
