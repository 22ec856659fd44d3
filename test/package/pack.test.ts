/**
 * `npm pack` gives a package that installs and imports as a typed library: a scratch project
 * `npm install`s the tarball (dependencies from npm's cache when it has them, scripts off: the
 * zstd addon is not needed to type-check or to copy gzip layers), TypeScript type-checks a file
 * that uses the API (and rejects one that misuses it: the .d.ts are real types, not `any`), and
 * Node imports the ESM entry and copies an image with it. The tarball is made from dist/ as
 * `npm run build` left it (npm ci builds it), so a missing dist/lib skips with that command.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ROOT } from '../cli/run-skiff.js'

const exec = promisify(execFile)
// TypeScript 7 (tsgo): the same checker as npm run typecheck, a sixth of tsc 6's CPU time
const TSC = join(ROOT, 'node_modules', 'tsgo', 'bin', 'tsc')
const missing = existsSync(join(ROOT, 'dist', 'lib', 'index.d.ts'))
  ? false
  : 'dist/lib is not built: run "npm run build"'

describe('npm pack → npm install → import as a typed library', { skip: missing }, () => {
  let dir: string
  let files: string[]
  const project = (): string => join(dir, 'app')

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-pack-'))
    const { stdout } = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    })
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
    files = info!.files.map((f) => f.path)
    const { mkdir } = await import('node:fs/promises')
    await mkdir(project())
    await writeFile(join(project(), 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }))
    await exec(
      'npm',
      ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', join(dir, info!.filename)],
      { cwd: project() },
    )
    await writeFile(
      join(project(), 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          skipLibCheck: false,
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['use.ts'],
      }),
    )
  })
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('holds the library, its types and the CLI, not the sources, tests or executables', () => {
    for (const f of ['bin/skiff', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/cli/main.js', 'package.json'])
      assert.ok(files.includes(f), f)
    for (const f of files) assert.doesNotMatch(f, /^(src|test|scripts|dist\/exe)\//, f)
  })

  it('tsc type-checks a file using the API and rejects one misusing it', async () => {
    const use = `import { copyImage, parseImageName, insecureAcceptAnythingPolicy, type CopyResult } from 'skiff'
const ref = parseImageName('oci:/tmp/layout:v1')
const name: string = ref.transport.name
export async function mirror(): Promise<CopyResult> {
  return copyImage('oci:/tmp/layout:v1', 'dir:/tmp/out', { policy: insecureAcceptAnythingPolicy() })
}
export { name }
`
    await writeFile(join(project(), 'use.ts'), use)
    const good = await exec(process.execPath, [TSC, '-p', '.'], { cwd: project() }).catch((e) => e)
    assert.equal(good.code ?? 0, 0, `${good.stdout}${good.stderr}`)
    await writeFile(
      join(project(), 'use.ts'),
      `${use}\nconst wrong: number = parseImageName('oci:/x').transport.name\n`,
    )
    const bad = await exec(process.execPath, [TSC, '-p', '.'], { cwd: project() }).catch((e) => e)
    assert.notEqual(bad.code ?? 0, 0)
    assert.match(bad.stdout, /use\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/)
  })

  it('node imports the ESM entry and copies an image with it', async () => {
    const out = join(dir, 'copied')
    await writeFile(
      join(project(), 'run.mjs'),
      `import { copyImage, insecureAcceptAnythingPolicy, VERSION } from 'skiff'
const r = await copyImage(${JSON.stringify(`oci:${join(ROOT, 'examples', 'hello')}:latest`)}, ${JSON.stringify(`dir:${out}`)}, { policy: insecureAcceptAnythingPolicy() })
console.log(VERSION, r.manifestDigest)
`,
    )
    const { stdout } = await exec(process.execPath, ['run.mjs'], { cwd: project() })
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
    const [version, digest] = stdout.trim().split(' ')
    assert.equal(version, pkg.version)
    assert.match(digest!, /^sha256:[0-9a-f]{64}$/)
    assert.ok(existsSync(join(out, 'manifest.json')))
  })
})
