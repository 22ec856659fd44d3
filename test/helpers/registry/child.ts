/**
 * Child processes and temp dirs owned by the test helpers. Each child runs in its own process group
 * (detached) so `stop` can signal the whole group; whatever a crashed test leaves behind is killed
 * and removed when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const liveGroups = new Set<number>()
const liveDirs = new Set<string>()
let hooked = false

function hook(): void {
  if (hooked) return
  hooked = true
  process.on('exit', killAllSync)
  // Children run in their own process groups, so a terminal's Ctrl-C does not reach them: clean up,
  // then die of the same signal.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllSync()
      process.kill(process.pid, sig)
    })
  }
}

function killAllSync(): void {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  liveGroups.clear()
  for (const d of liveDirs) rmSync(d, { recursive: true, force: true })
  liveDirs.clear()
}

/** A temp dir removed by `removeTempDir` (or at process exit if a test forgot). */
export function makeTempDir(prefix: string): string {
  hook()
  const dir = mkdtempSync(join(tmpdir(), prefix))
  liveDirs.add(dir)
  return dir
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  liveDirs.delete(dir)
}

export interface Child {
  proc: ChildProcess
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>
  /** Whether the process has exited. */
  hasExited(): boolean
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once it has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>
}

/** Starts `cmd` in its own process group with stdout/stderr appended to the given files. */
export function spawnLogged(cmd: string, args: string[], stdoutPath: string, stderrPath: string, cwd?: string): Child {
  hook()
  const out = openSync(stdoutPath, 'a')
  const err = openSync(stderrPath, 'a')
  let proc: ChildProcess
  try {
    proc = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', out, err] })
  } finally {
    closeSync(out)
    closeSync(err)
  }
  const pid = proc.pid
  let done = false
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => {
      done = true
      if (pid) liveGroups.delete(pid)
      resolve(code ?? signal ?? 'unknown')
    })
    proc.once('error', (e) => {
      done = true
      if (pid) liveGroups.delete(pid)
      resolve(`spawn error: ${e.message}`)
    })
  })
  if (pid) liveGroups.add(pid)
  let stopping: Promise<void> | undefined
  const signalGroup = (sig: NodeJS.Signals): void => {
    if (!pid || done) return
    try {
      process.kill(-pid, sig)
    } catch {
      // group already gone
    }
  }
  return {
    proc,
    exited,
    hasExited: () => done,
    stop(graceMs = 3000) {
      stopping ??= (async () => {
        signalGroup('SIGTERM')
        let timer: NodeJS.Timeout | undefined
        const killed = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            signalGroup('SIGKILL')
            resolve()
          }, graceMs)
        })
        await Promise.race([exited, killed])
        await exited
        clearTimeout(timer)
      })()
      return stopping
    },
  }
}
