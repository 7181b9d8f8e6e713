import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The build goes where chronicled looks for it (--ui-dir): CMake passes --outDir.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { sourcemap: false, chunkSizeWarningLimit: 600 },
});
