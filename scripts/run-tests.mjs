#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's built-in test runner (TypeScript through tsx).
// Usage: npm test [-- path-or-substring ...]
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { spawnSync } from 'node:child_process'
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
const concurrency = process.env.SKIFF_TEST_CONCURRENCY ?? '2'
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files],
  { cwd: root, stdio: 'inherit' },
)
process.exit(r.status ?? 1)
