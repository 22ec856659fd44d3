/**
 * Error reporting: one line `skiff: <message>` on stderr (a usage hint on a second line for command
 * line mistakes); with --debug, the stack and the chain of causes. Returns the exit code.
 */
import { isSkiffError } from '../errors.js'
import { UsageError } from './usage-error.js'

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ').trim()
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name
  return String(e)
}

export function exitCodeOf(e: unknown): number {
  return isSkiffError(e) ? e.exitCode : 1
}

export function reportError(e: unknown, opts: { debug: boolean; stderr: NodeJS.WritableStream }): number {
  const out = opts.stderr
  out.write(`skiff: ${oneLine(messageOf(e))}\n`)
  if (e instanceof UsageError && e.command !== undefined) {
    out.write(e.command ? `See 'skiff ${e.command} --help'.\n` : "Try 'skiff --help' for more information.\n")
  }
  if (opts.debug) {
    let x: unknown = e
    for (let depth = 0; x !== undefined && x !== null && depth < 10; depth++) {
      if (depth > 0) out.write(`caused by: ${messageOf(x)}\n`)
      if (x instanceof Error && x.stack) out.write(`${x.stack}\n`)
      const code = (x as { code?: unknown }).code
      if (code !== undefined) out.write(`  code: ${String(code)}\n`)
      x = (x as { cause?: unknown }).cause
    }
  }
  return exitCodeOf(e)
}
