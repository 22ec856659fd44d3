#!/usr/bin/env node
// `npm run build:exe`: skiff as one file, dist/exe/skiff-linux-x64 (and -arm64), a Node Single
// Executable Application (https://nodejs.org/api/single-executable-applications.html) on Node 24
// from the npm registry (scripts/node-dist.mjs). It runs with no `node` on PATH and no
// node_modules: zstd comes from Node 24's node:zlib, so no native addon is needed.
//
// 1. The normal bundle (dist/cli/main.js and its chunks, from `npm run build`) becomes one
//    CommonJS file (SEA runs a CommonJS script; esbuild inlines the chunks).
// 2. Node 24 writes the SEA blob (`--experimental-sea-config`) with a V8 start-up snapshot
//    (`useSnapshot`): Node runs the bundle once here, cli/main.ts initialises the modules of the
//    registry commands and names the function each start begins in, and the heap is saved, so a
//    process starts with skiff's modules already initialised (docs/ARCHITECTURE.md, "Lazy top
//    levels", says what a module's top level may do). A snapshot only fits the CPU whose Node
//    made it: x64's is made by the x64 binary, arm64's by the arm64 one under qemu-aarch64-static
//    (with Debian's arm64 libraries). When a snapshot cannot be made, V8's code cache instead;
//    without qemu, arm64 has neither.
// 3. postject copies the blob into a copy of Node's binary (an ELF edit, so it works for arm64
//    on x64 too).
//
//   node scripts/build-exe.mjs [--arch x64|arm64|all] [--no-snapshot] [--no-code-cache]
//   (SKIFF_KEEP_BUILD=1 keeps dist/exe/build/: the bundle and the blobs)
import { execFileSync, spawnSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync as exists,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'
import { inject } from 'postject'
import { NODE_VERSION, nodeBinary } from './node-dist.mjs'

const args = process.argv.slice(2)
const archArg = args.includes('--arch') ? args[args.indexOf('--arch') + 1] : 'all'
const arches = archArg === 'all' ? ['x64', 'arm64'] : [archArg]
const codeCache = !args.includes('--no-code-cache')
const snapshot = !args.includes('--no-snapshot')
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
  // globalThis.__skiffExe: cli/main.ts knows it runs as the executable
  define: { 'import.meta.url': '__skiff_exe_url', 'globalThis.__skiffExe': 'true' },
  banner: { js: "const __skiff_exe_url = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  minifySyntax: true,
  logLevel: 'warning',
})

const node24x64 = await nodeBinary('x64')
const info = {}
const qemu = ['/usr/bin/qemu-aarch64-static', '/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1'].every(exists)
for (const arch of arches) {
  // how this arch's Node runs here: a snapshot (and a code cache) is made by Node of the CPU that runs it
  const native =
    arch === 'x64'
      ? [node24x64]
      : qemu
        ? ['/usr/bin/qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu', await nodeBinary(arch)]
        : undefined
  const blob = join(work, `sea-${arch}.blob`)
  let kind = 'no code cache (no qemu-aarch64-static and arm64 libraries to build one)'
  const tries = native
    ? [
        ...(snapshot ? [{ useSnapshot: true, kind: 'start-up snapshot' }] : []),
        ...(codeCache ? [{ useCodeCache: true, kind: 'code cache' }] : []),
        { kind: 'no code cache' },
      ]
    : [{ kind }]
  for (const t of tries) {
    const config = join(work, `sea-${arch}.json`)
    writeFileSync(
      config,
      JSON.stringify({
        main: script,
        output: blob,
        disableExperimentalSEAWarning: true,
        useCodeCache: t.useCodeCache === true,
        useSnapshot: t.useSnapshot === true,
      }),
    )
    // 2. the blob; its format is Node's version's (the x64 binary can write any arch's blob without a snapshot or cache)
    const [cmd, ...pre] = native ?? [node24x64]
    try {
      const r = spawnSync(cmd, [...pre, '--experimental-sea-config', config], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      if (r.status !== 0)
        throw new Error(`${r.error?.message ?? ''}${r.stderr}`.trim().split('\n').slice(-8).join('\n'))
      kind = t.kind
      break
    } catch (e) {
      if (t === tries.at(-1)) throw e
      process.stderr.write(`build-exe: ${arch}: no ${t.kind} (${e.message}); trying the next way\n`)
    }
  }
  // 3. inject into a copy of Node
  const exe = join(out, `skiff-linux-${arch}`)
  const stripped = strip(await nodeBinary(arch), exe, arch)
  chmodSync(exe, 0o755)
  await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), {
    sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  })
  info[arch] = kind
  const mib = (statSync(exe).size / 2 ** 20).toFixed(1)
  process.stderr.write(
    `build-exe: ${exe} (Node ${NODE_VERSION}, ${mib} MiB, ${kind}${stripped ? '' : ', not stripped'})\n`,
  )
}
// what each executable holds, for the bench's labels (scripts/bench.ts)
writeFileSync(join(out, 'build-info.json'), `${JSON.stringify(info)}\n`)
if (!process.env.SKIFF_KEEP_BUILD) rmSync(work, { recursive: true, force: true })

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
