#!/usr/bin/env node
// `npm run build:exe`: skiff as one file, dist/exe/skiff-linux-x64 (and -arm64), a Node Single
// Executable Application (https://nodejs.org/api/single-executable-applications.html) on Node 24
// from the npm registry (scripts/node-dist.mjs). It runs with no `node` on PATH and no
// node_modules: zstd comes from Node 24's node:zlib, so no native addon is needed.
//
// 1. The normal bundle (dist/cli/main.js and its chunks, from `npm run build`) becomes one
//    CommonJS file (SEA runs a CommonJS script; esbuild inlines the chunks).
// 2. Node 24 writes the SEA blob (`--experimental-sea-config`), with V8's code cache for x64: it is
//    built by the x64 binary that runs here, and a code cache only fits the CPU that made it.
// 3. postject copies the blob into a copy of Node's binary (an ELF edit, so it works for arm64
//    on x64 too; that one has no code cache).
//
//   node scripts/build-exe.mjs [--arch x64|arm64|all] [--no-code-cache]
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'
import { inject } from 'postject'
import { NODE_VERSION, nodeBinary } from './node-dist.mjs'

const args = process.argv.slice(2)
const archArg = args.includes('--arch') ? args[args.indexOf('--arch') + 1] : 'all'
const arches = archArg === 'all' ? ['x64', 'arm64'] : [archArg]
const codeCache = !args.includes('--no-code-cache')
const out = 'dist/exe'
const work = join(out, 'build')
const started = Date.now()

try {
  statSync('dist/cli/main.js')
} catch {
  throw new Error('dist/cli/main.js is missing: run "npm run build" first (npm run build:exe does)')
}
rmSync(out, { recursive: true, force: true })
mkdirSync(work, { recursive: true })

// 1. one CommonJS file. The bundle's banner makes `require` with createRequire(import.meta.url);
// in CommonJS import.meta is empty, so it is defined as this file's URL (only zstd-napi is ever
// required that way, and only when SKIFF_ZSTD=napi asks for it: it is not in the executable).
const script = join(work, 'skiff.cjs')
await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: script,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  external: ['zstd-napi'],
  define: { 'import.meta.url': '__skiff_exe_url' },
  banner: { js: "const __skiff_exe_url = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  minifySyntax: true,
  logLevel: 'warning',
})

const node24x64 = await nodeBinary('x64')
for (const arch of arches) {
  const cache = codeCache && arch === 'x64'
  const config = join(work, `sea-${arch}.json`)
  const blob = join(work, `sea-${arch}.blob`)
  writeFileSync(
    config,
    JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: cache }),
  )
  // 2. the blob; its format is Node's version's, so the x64 binary of the same version writes both
  execFileSync(node24x64, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] })
  // 3. inject into a copy of Node
  const exe = join(out, `skiff-linux-${arch}`)
  const stripped = strip(await nodeBinary(arch), exe, arch)
  chmodSync(exe, 0o755)
  await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), {
    sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  })
  const mib = (statSync(exe).size / 2 ** 20).toFixed(1)
  process.stderr.write(
    `build-exe: ${exe} (Node ${NODE_VERSION}, ${mib} MiB${cache ? ', code cache' : ''}${stripped ? '' : ', not stripped'})\n`,
  )
}
rmSync(work, { recursive: true, force: true })

/**
 * Copies Node's binary to `dest` without its debug symbols (binutils' strip: 127 → 109 MB for
 * x64; Node's own stack traces do not use them). Without a strip for that CPU (arm64 needs
 * binutils-aarch64-linux-gnu) the binary is copied as it is.
 */
function strip(src, dest, arch) {
  const tool = arch === 'x64' ? 'strip' : 'aarch64-linux-gnu-strip'
  try {
    execFileSync(tool, ['-o', dest, src], { stdio: 'ignore' })
    return true
  } catch {
    copyFileSync(src, dest)
    return false
  }
}
process.stderr.write(`build-exe: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
