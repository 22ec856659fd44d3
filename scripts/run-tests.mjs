#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's built-in test runner (TypeScript through tsx).
// Usage: npm test [-- path-or-substring ...]
//
// The CLI tests start skiff a few hundred times. They run the CLI bundled from the current src/
// (esbuild, about a second), built here into node_modules/.cache/ and named by $SKIFF_TEST_CLI:
// starting the bundle costs a fifth of `node --import tsx src/cli/main.ts`. Without the variable
// (a test file run by hand with `node --import tsx --test`) the helpers start src/ through tsx.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

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

let files = walk(join(root, 'test')).sort()
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)))
if (!files.length) {
  console.error('no test files matched')
  process.exit(1)
}

// One bundle per run (two runs at once in one checkout must not share one); bundles of runs that
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
    const m = /^skiff-test-cli-(\d+)$/.exec(name)
    if (m && !alive(Number(m[1]))) rmSync(join(cacheDir, name), { recursive: true, force: true })
  }
}
const bundle = join(cacheDir, `skiff-test-cli-${process.pid}`)
mkdirSync(cacheDir, { recursive: true })
const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--outdir', bundle], {
  cwd: root,
  stdio: 'inherit',
})
if (b.status !== 0) {
  console.error('run-tests: building the CLI bundle failed')
  process.exit(1)
}
const removeBundle = () => rmSync(bundle, { recursive: true, force: true })

const concurrency = process.env.SKIFF_TEST_CONCURRENCY ?? '2'
const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SKIFF_TEST_CLI: join(bundle, 'main.js') },
})
// Ctrl-C reaches the test runner too (same process group); wait for it, then clean up.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('close', (code, signal) => {
  removeBundle()
  process.exit(code ?? (signal ? 1 : 0))
})
