/**
 * Temp paths registered here are removed when the process is interrupted (SIGINT/SIGTERM) or exits,
 * so a Ctrl-C never leaves half-written files behind. Callers unregister once a path is committed.
 */
import { rmSync } from 'node:fs'

const paths = new Set<string>()
let installed = false

function cleanupSync(): void {
  for (const p of paths) {
    try {
      rmSync(p, { recursive: true, force: true })
    } catch {
      // best effort: nothing else can be done while exiting
    }
  }
  paths.clear()
}

function install(): void {
  if (installed) return
  installed = true
  process.on('exit', cleanupSync)
}

export function registerTempPath(p: string): void {
  install()
  paths.add(p)
}

export function unregisterTempPath(p: string): void {
  paths.delete(p)
}

/** Removes every registered temp path now (used by the CLI's signal handlers before exiting). */
export function cleanupTempPaths(): void {
  cleanupSync()
}
