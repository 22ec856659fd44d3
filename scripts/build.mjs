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
// - undici requires node:http at load, for IncomingMessage (one identity test in util.destroy) and
//   http.maxHeaderSize (a default read when a client starts): node:http brings its parser binding,
//   which a V8 start-up snapshot cannot hold (scripts/build-exe.mjs), and costs every process.
const LAZY = [
  {
    file: /[\\/]commander[\\/]lib[\\/]command\.js$/,
    edits: [
      [
        "const childProcess = require('node:child_process');",
        "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };",
      ],
    ],
  },
  {
    file: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/,
    edits: [
      ["const connectH2 = require('./client-h2.js')", "const connectH2 = (...a) => require('./client-h2.js')(...a)"],
      ["const http = require('node:http')", ''],
      [
        `const getDefaultNodeMaxHeaderSize = http &&
  http.maxHeaderSize &&
  Number.isInteger(http.maxHeaderSize) &&
  http.maxHeaderSize > 0
  ? () => http.maxHeaderSize
  : () => { throw new InvalidArgumentError('http module not available or http.maxHeaderSize invalid') }`,
        `const getDefaultNodeMaxHeaderSize = () => {
  const http = require('node:http')
  if (Number.isInteger(http.maxHeaderSize) && http.maxHeaderSize > 0) return http.maxHeaderSize
  throw new InvalidArgumentError('http module not available or http.maxHeaderSize invalid')
}`,
      ],
    ],
  },
  {
    file: /[\\/]undici[\\/]lib[\\/]core[\\/]util\.js$/,
    edits: [
      ["const { IncomingMessage } = require('node:http')", ''],
      [
        'if (Object.getPrototypeOf(stream).constructor === IncomingMessage) {',
        "if (Object.getPrototypeOf(stream).constructor?.name === 'IncomingMessage' && Object.getPrototypeOf(stream).constructor === require('node:http').IncomingMessage) {",
      ],
    ],
  },
]
const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    for (const { file, edits } of LAZY) {
      b.onLoad({ filter: file }, (args) => {
        let src = readFileSync(args.path, 'utf8')
        for (const [eager, lazy] of edits) {
          if (!src.includes(eager)) throw new Error(`${args.path}: "${eager}" not found; update scripts/build.mjs`)
          src = src.replace(eager, lazy)
        }
        return { contents: src, loader: 'js' }
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
