/**
 * Start-up laziness that a select depends on for its speed (docs/ARCHITECTURE.md, "Deliberately
 * lazy"): `sync --src registry-storage --dest registry-storage` never loads openpgp, the YAML
 * parser, the copy engine or the policy evaluators — it has no use for them. Observed on a real CLI
 * run through module hooks that log every resolved module.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeSeedStore, type SeedStore } from '../helpers/store-fixtures.js'
import { CLI_ARGS, ROOT } from './run-skiff.js'

const REGISTER = fileURLToPath(new URL('./lazy-register.mjs', import.meta.url))
let work: string
let seed: SeedStore

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'skiff-test-lazy-start-'))
  seed = await writeSeedStore(join(work, 'pool'), { names: ['kubesphere/pause:3.2', 'busybox:1.31.1'] })
  await writeFile(join(work, 'release.list'), seed.images.join('\n'))
})
after(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

test('a select loads neither openpgp, yaml, the copy engine nor the policy evaluators', async () => {
  const log = join(work, 'resolved.log')
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      REGISTER,
      ...CLI_ARGS,
      'sync',
      '--progress',
      'none',
      '--src',
      'registry-storage',
      '--dest',
      'registry-storage',
      '--images-from',
      join(work, 'release.list'),
      join(work, 'pool'),
      join(work, 'out'),
    ],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SKIFF_RESOLVED_LOG: log } },
  )
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /2 copied/)
  // the modules loaded: from src/ (tsx) their URLs; from the bundle (the test runs' CLI), the
  // `// src/…` and `// node_modules/…` lines esbuild writes at the start of each module in a chunk
  const resolved: string[] = []
  for (const url of new Set((await readFile(log, 'utf8')).split('\n').filter(Boolean))) {
    resolved.push(url)
    if (url.startsWith('file:') && /[\\/]chunks[\\/][^\\/]+\.js$/.test(url))
      for (const m of (await readFile(fileURLToPath(url), 'utf8')).matchAll(/^\/\/ ((?:src|node_modules)\/\S+)$/gm))
        resolved.push(m[1]!)
  }
  assert.ok(
    resolved.some((u) => /src\/transports\/registry-storage\/select\.ts$/.test(u)),
    'the hooks saw the select writer load',
  )
  for (const unwanted of [
    /node_modules\/openpgp\//,
    /node_modules\/yaml\//,
    /src\/copy\/copy\.ts$/,
    /src\/policy\/requirements\/index\.ts$/,
  ])
    assert.deepEqual(
      resolved.filter((u) => unwanted.test(u)),
      [],
      `${unwanted} is not loaded`,
    )
})
