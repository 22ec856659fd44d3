/**
 * External tools the tests use as oracles (skopeo, umoci). Tests that need one call `requireTool`,
 * which fails with a clear install hint (the setup in .ci/run installs them when run as root).
 */
import { execFile, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const execFileP = promisify(execFile)

const PACKAGE_OF: Record<string, string> = {
  skopeo: 'skopeo',
  umoci: 'umoci',
  'docker-registry': 'docker-registry',
  dockerd: 'docker.io',
  podman: 'podman',
  'containers-storage': 'containers-storage',
}

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0
}

export function requireTool(name: string): void {
  if (!hasTool(name)) {
    throw new Error(
      `this test needs "${name}": install it with: apt-get install -y ${PACKAGE_OF[name] ?? name} (or run "bash .ci/run" as root)`,
    )
  }
}

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs a command; never throws for a non-zero exit (the result says). */
export async function run(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  try {
    const p = execFileP(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, maxBuffer: 64 * 1024 * 1024 })
    if (opts.input !== undefined) p.child.stdin?.end(opts.input)
    const { stdout, stderr } = await p
    return { code: 0, stdout, stderr }
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }
  }
}

/** skopeo with --insecure-policy (tests never depend on the machine's policy.json). */
export function skopeo(args: string[]): Promise<RunResult> {
  requireTool('skopeo')
  return run('skopeo', ['--insecure-policy', ...args])
}

/** A temp directory removed after `fn`, whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-test-'))
  try {
    return await fn(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
