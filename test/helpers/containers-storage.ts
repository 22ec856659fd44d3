/**
 * A containers-storage store per test file: its own graph root and run root under a temp dir, driven
 * by podman 4.3 (no daemon: `podman --storage-driver D --root G --runroot R …`) and the
 * `containers-storage` program as oracles. close() unmounts everything mounted below the temp dir
 * (the overlay driver bind-mounts its home on itself; `podman image mount` mounts images), deepest
 * first, then removes the dir.
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { requireTool, run, type RunResult } from './tools.js'

export interface TestStore {
  dir: string
  driver: 'vfs' | 'overlay'
  graphRoot: string
  runRoot: string
  /** `[driver@graphroot+runroot]` */
  spec: string
  /** `containers-storage:[…]NAME` */
  ref(name: string): string
  podman(args: string[]): Promise<RunResult>
  /** The `containers-storage` program on this store. */
  cs(args: string[]): Promise<RunResult>
  close(): Promise<void>
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
export function mountsBelow(dir: string): string[] {
  const out: string[] = []
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const p = line.split(' ')[4]
    if (!p) continue
    const mp = p.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)))
    if (mp === dir || mp.startsWith(dir + '/')) out.push(mp)
  }
  return out.sort((a, b) => b.length - a.length)
}

export async function unmountBelow(dir: string): Promise<void> {
  // A mount may be stacked several times on one point: repeat until none is left.
  for (let round = 0; round < 10; round++) {
    const mounts = mountsBelow(dir)
    if (mounts.length === 0) return
    for (const m of mounts) await run('umount', ['-l', m])
  }
}

export async function makeTestStore(driver: 'vfs' | 'overlay'): Promise<TestStore> {
  requireTool('podman')
  requireTool('containers-storage')
  const dir = await mkdtemp(join(tmpdir(), `skiff-cs-${driver}-`))
  const graphRoot = join(dir, 'root')
  const runRoot = join(dir, 'run')
  const spec = `[${driver}@${graphRoot}+${runRoot}]`
  const podmanBase = [
    '--storage-driver',
    driver,
    '--root',
    graphRoot,
    '--runroot',
    runRoot,
    '--tmpdir',
    join(dir, 'podman-tmp'),
    '--events-backend',
    'none',
    '--cgroup-manager',
    'cgroupfs',
  ]
  return {
    dir,
    driver,
    graphRoot,
    runRoot,
    spec,
    ref: (name) => `containers-storage:${spec}${name}`,
    podman: (args) => run('podman', [...podmanBase, ...args], { env: { ...process.env, TMPDIR: dir } }),
    cs: (args) =>
      run('containers-storage', ['--storage-driver', driver, '--graph', graphRoot, '--run', runRoot, ...args]),
    async close() {
      await unmountBelow(dir)
      await rm(dir, { recursive: true, force: true })
    },
  }
}
