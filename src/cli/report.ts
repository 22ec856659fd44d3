/**
 * Error reporting: one line `skiff: <message>` on stderr (a usage hint on a second line for command
 * line mistakes; options the library's message names are shown as their flags); a bug (not a SkiffError or an I/O error) as `skiff: internal error: …`; with
 * --debug, the stack and the chain of causes. Returns the exit code.
 */
import { isSkiffError } from '../errors.js'
import { flagTerms } from './flag-terms.js'
import { UsageError } from './usage-error.js'
import { internalErrorLine, isInternalError, writeDebugDetails } from './crash.js'

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
  if (isInternalError(e)) {
    out.write(internalErrorLine(e, opts.debug))
    if (opts.debug) writeDebugDetails(e, out)
    return 1
  }
  out.write(`skiff: ${oneLine(flagTerms(messageOf(e)))}\n`)
  if (e instanceof UsageError && e.command !== undefined) {
    out.write(e.command ? `See 'skiff ${e.command} --help'.\n` : "Try 'skiff --help' for more information.\n")
  }
  if (opts.debug) writeDebugDetails(e, out)
  return exitCodeOf(e)
}
