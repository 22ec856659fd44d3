#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's built-in test runner.
// Usage: npm test [-- path-or-substring ...]
//
// Two builds first, both with esbuild into node_modules/.cache/skiff-test-PID/ (about a second):
// - cli/: the CLI bundled from the current src/, named by $SKIFF_TEST_CLI. The CLI tests start
//   skiff a few hundred times; starting the bundle costs a fifth of `node --import tsx src/cli/main.ts`.
//   Without the variable (a test file run by hand with `node --import tsx --test`) the helpers start
//   src/ through tsx.
// - tests/: each test file bundled with the src/ and test/ modules it imports (npm packages stay
//   imports), so the runner's processes start plain `node` instead of tsx compiling and resolving
//   every module through its loader thread (~0.5–1.4 s of CPU per file). `import.meta.url`,
//   `.dirname` and `.filename` are rewritten to the original .ts file's, so fixtures found next to
//   a test, ROOT and the tsx-started helper scripts resolve in the source tree as before.
//   Stack traces map back to the .ts files (--enable-source-maps).
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const filters = process.argv.slice(2)

function walk(dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...walk(p))
    else if (name.endsWith('.test.ts')) out.push(relative(root, p))
  }
  return out
}

// Longest first (scripts/test-durations.json: seconds of wall time of the files that took 2 s or
// more in a measured run; `node scripts/test-times.mjs` writes it), so the runner's last slots hold
// short files and no long file starts at the end; the others by name.
const durations = JSON.parse(await readFile(join(root, 'scripts/test-durations.json'), 'utf8'))
const weight = (f) => durations[f] ?? 0
let files = walk(join(root, 'test')).sort((a, b) => weight(b) - weight(a) || (a < b ? -1 : a > b ? 1 : 0))
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)))
if (!files.length) {
  console.error('no test files matched')
  process.exit(1)
}

// One build per run (two runs at once in one checkout must not share one); builds of runs that
// were killed are removed by the next run.
const cacheDir = join(root, 'node_modules', '.cache')
const alive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return e.code === 'EPERM'
  }
}
if (existsSync(cacheDir)) {
  for (const name of readdirSync(cacheDir)) {
    const m = /^skiff-test(?:-cli)?-(\d+)$/.exec(name)
    if (m && !alive(Number(m[1]))) rmSync(join(cacheDir, name), { recursive: true, force: true })
  }
}
const work = join(cacheDir, `skiff-test-${process.pid}`)
const removeWork = () => rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })

const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--outdir', join(work, 'cli')], {
  cwd: root,
  stdio: 'inherit',
})
if (b.status !== 0) {
  removeWork()
  console.error('run-tests: building the CLI bundle failed')
  process.exit(1)
}

/** import.meta as the .ts file would see it, for code that now runs from the bundle. */
const sourceMeta = {
  name: 'source-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?ts$/ }, async ({ path }) => {
      let contents = await readFile(path, 'utf8')
      if (contents.includes('import.meta.'))
        contents = contents
          .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(path).href))
          .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(path)))
          .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(path))
      return { contents, loader: 'ts' }
    })
  },
}
const testsDir = join(work, 'tests')
// Node's test runner sorts the files it is given by path (Node 20 and 24 alike), so each bundle's
// path starts with its place in `files`: tests/007/test/faults/kill9-oci.test.mjs.
const width = String(files.length).length
const outName = (f, i) => join(String(i).padStart(width, '0'), f.replace(/\.ts$/, ''))
try {
  await build({
    entryPoints: files.map((f, i) => ({ in: join(root, f), out: outName(f, i) })),
    outdir: testsDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // modules two test files share are loaded once per process either way; splitting keeps the build small
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    sourcesContent: false,
    plugins: [sourceMeta],
    logLevel: 'warning',
  })
} catch {
  removeWork()
  console.error('run-tests: building the test files failed')
  process.exit(1)
}
const built = files.map((f, i) => join(testsDir, `${outName(f, i)}.mjs`))

const concurrency = process.env.SKIFF_TEST_CONCURRENCY ?? '3'
// SKIFF_TEST_TIMES=FILE: every test-file process appends its wall and CPU times (scripts/test-times.mjs)
const times = process.env.SKIFF_TEST_TIMES ? ['--import', join(root, 'scripts/test-times.mjs')] : []
const child = spawn(
  process.execPath,
  ['--enable-source-maps', ...times, '--test', `--test-concurrency=${concurrency}`, ...built],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, SKIFF_TEST_CLI: join(work, 'cli', 'main.js') },
  },
)
// Ctrl-C reaches the test runner too (same process group); wait for it, then clean up.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('close', (code, signal) => {
  removeWork()
  process.exit(code ?? (signal ? 1 : 0))
})
