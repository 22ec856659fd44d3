#!/usr/bin/env node
// Bundles the CLI into one file so `skiff` starts fast (one module to load, not hundreds).
import { build } from 'esbuild'

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // native addon: loaded lazily, only when zstd is needed
  external: ['zstd-napi'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
})
