/** `skiff copy SOURCE-IMAGE DESTINATION-IMAGE`: flags → CopyRequest → copyImage, progress on stderr. */
import { writeOutputFile } from '../../util/output.js'
import { statSync } from 'node:fs'
import type { Writable } from 'node:stream'
import { dirname, resolve } from 'node:path'
import { SkiffError } from '../../errors.js'
import { copyImage } from '../../copy/copy.js'
import { loadPolicyContext } from '../../policy/context.js'
import { parseImageName } from '../../transports/registry.js'
import type { CommandContext } from './types.js'
import { flagTerms } from '../flag-terms.js'
import type { FlagValues } from '../flags.js'
import { copyRequestFrom } from '../options/copy.js'
import { sigstoreSignerFrom } from '../options/sigstore-signer.js'
import { runWithRetry, withBudget } from '../options/retry.js'
import { createProgress } from '../progress.js'
import { StdoutClosed, isBrokenPipeOn } from '../crash.js'
import type { ImageReference } from '../../transports/types.js'

/**
 * As skopeo: a local destination (dir:, oci:, oci-archive:, docker-archive:) whose parent directory
 * does not exist is refused before anything is read, rather than created (a typo would make a tree).
 */
function checkLocalDestinationParent(dest: ImageReference): void {
  if (!['dir', 'oci', 'oci-archive', 'docker-archive'].includes(dest.transport.name)) return
  const d = dest as { resolvedPath?: unknown; resolvedDir?: unknown; resolvedFile?: unknown; path?: unknown }
  const path = [d.resolvedPath, d.resolvedDir, d.resolvedFile, d.path].find((p): p is string => typeof p === 'string')
  if (path === undefined) return
  const parent = dirname(resolve(path))
  let isDir = false
  try {
    isDir = statSync(parent).isDirectory()
  } catch {
    // missing
  }
  if (!isDir)
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `Invalid destination name ${dest.toString()}: directory ${parent} does not exist; create it first`,
      { image: dest.toString() },
    )
}

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  const req = copyRequestFrom(args, flags, ctx.global)
  for (const w of req.warnings) ctx.stderr.write(`skiff: warning: ${w}\n`)

  const policy = await loadPolicyContext({
    ...(ctx.global.policyPath ? { policyPath: ctx.global.policyPath } : {}),
    insecure: ctx.global.insecurePolicy,
  })
  const src = parseImageName(req.source)
  const dest = parseImageName(req.destination)
  checkLocalDestinationParent(dest)
  const signers = [...(req.options.signers ?? [])]
  if (req.sigstorePrivateKey)
    signers.push(await sigstoreSignerFrom(req.sigstorePrivateKey, { stdout: ctx.stdout as Writable }))

  const progress = createProgress({ out: ctx.stderr, quiet: req.quiet })
  const result = await runWithRetry(
    req.retry,
    async (budget) => {
      try {
        const { source, destination } = req.options
        const sides = { source: withBudget(source, budget), destination: withBudget(destination, budget) }
        return await copyImage(src, dest, {
          ...req.options,
          ...sides,
          ...(signers.length ? { signers } : {}),
          policy,
          context: ctx.context,
          signal: ctx.signal,
          onEvent: (e) => progress.onEvent(e),
        })
      } catch (e) {
        // `… docker-archive:/dev/stdout | head -c 100`: the reader went away; end quietly, no retry
        if (isBrokenPipeOn(e, 1)) throw new StdoutClosed(e)
        throw e
      } finally {
        progress.finish()
      }
    },
    { signal: ctx.signal, warn: (message) => ctx.stderr.write(`skiff: warning: ${flagTerms(message)}\n`) },
  )
  if (ctx.global.debug) ctx.stderr.write(`skiff: debug: wrote ${result.manifestMediaType} ${result.manifestDigest}\n`)
  if (req.digestFile) {
    try {
      // no trailing newline, as skopeo
      await writeOutputFile(req.digestFile, result.manifestDigest)
    } catch (e) {
      throw new SkiffError('ERR_IO', `Failed to write digest to file "${req.digestFile}": ${(e as Error).message}`, {
        cause: e,
      })
    }
  }
  return 0
}
