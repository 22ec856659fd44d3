#!/usr/bin/env node
// Bundles the CLI so `skiff` starts fast: one small entry module; each command's code is a chunk
// loaded only when that command runs (`--version` parses almost nothing).
import { rmSync } from 'node:fs'
import { build } from 'esbuild'

rmSync('dist/cli', { recursive: true, force: true })

await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist/cli',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // native addon: loaded lazily, only when zstd is needed
  external: ['zstd-napi'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  logLevel: 'warning',
})
