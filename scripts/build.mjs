#!/usr/bin/env node
// Bundles the CLI so `skiff` starts fast: one small entry module; each command's code is a chunk
// loaded only when that command runs (`--version` parses almost nothing).
// Readable stacks: whitespace is kept (a stack line points at a real line, not column 80000 of
// a 112 KB line) and source maps are written beside the chunks; main.ts turns them on only with
// --debug (`process.setSourceMapsEnabled`), so a normal start never reads them. Measured start-up
// (CPU time, 20 runs each, `--version` and `inspect oci:examples/hello:latest`): no difference
// within noise between whitespace-minified, syntax-only minified, unminified and with maps.
import { readFileSync, rmSync } from 'node:fs'
import { build } from 'esbuild'

// Node built-ins that dependencies require when they load but skiff seldom uses, made lazy (each
// `eager` statement must exist: the build fails when a dependency changes, never silently):
// - commander requires node:child_process for executable subcommands (skiff has none): that
//   pulls child_process, net and dgram into every start. Its one use, spawn, loads on first call.
// - undici's client requires its HTTP/2 half (and so node:http2 and node:tls) for every plain
//   http/1.1 connection; it now loads when a connection negotiates h2.
const LAZY = [
  {
    file: /[\\/]commander[\\/]lib[\\/]command\.js$/,
    eager: "const childProcess = require('node:child_process');",
    lazy: "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };",
  },
  {
    file: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/,
    eager: "const connectH2 = require('./client-h2.js')",
    lazy: "const connectH2 = (...a) => require('./client-h2.js')(...a)",
  },
]
const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    for (const { file, eager, lazy } of LAZY) {
      b.onLoad({ filter: file }, (args) => {
        const src = readFileSync(args.path, 'utf8')
        if (!src.includes(eager)) throw new Error(`${args.path}: "${eager}" not found; update scripts/build.mjs`)
        return { contents: src.replace(eager, lazy), loader: 'js' }
      })
    }
  },
}

// `node scripts/build.mjs [--outdir DIR]` (tests build a bundle of their own elsewhere)
const i = process.argv.indexOf('--outdir')
const outdir = i > 0 ? process.argv[i + 1] : 'dist/cli'
rmSync(outdir, { recursive: true, force: true })

await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir,
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
  minifySyntax: true,
  sourcemap: 'linked',
  // maps point at src/*.ts (file:line in --debug stacks) without a copy of the sources
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [lazyRequires],
})
