import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The UI is loaded from the Tauri bundle (tauri://localhost) and from the
// studio's control endpoint (`juggler-studio serve --ui`): relative asset
// paths work in both.
export default defineConfig({
  base: './',
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
