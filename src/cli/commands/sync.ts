/**
 * `skiff sync --src KIND --dest KIND SOURCE DESTINATION`: flags → SyncRequest → planSync + runSync,
 * progress on stderr (the bulk renderer), then --digestfile / --report. Exit 1 when any image (or the plan) failed.
 */
import type { Writable } from 'node:stream'
import { writeOutputFile } from '../../util/output.js'
import { SkiffError } from '../../errors.js'
import { loadPolicyContext } from '../../policy/context.js'
import { planSync } from '../../sync/planner.js'
import { runSync } from '../../sync/executor.js'
import { syncBatch } from '../../sync/sources/index.js'
import { RegistryAccess } from '../../sync/registry-access.js'
import { digestFileText, writeReport } from '../../sync/report.js'
import type { SyncEvent } from '../../sync/events.js'
import type { SyncBatch, SyncSummary } from '../../sync/types.js'
import type { CommandContext } from './types.js'
import type { FlagValues } from '../flags.js'
import { compileTagFilters, syncRequestFrom } from '../options/sync.js'
import { runWithRetry } from '../options/retry.js'
import type { RetryBudget } from '../../util/retry.js'
import { bulkProgressMode, createBulkProgress } from '../bulk-progress.js'
import { logrusLine } from '../logrus-line.js'
import { flagTerms } from '../flag-terms.js'
import { createSharedCopyState } from '../../copy/shared-state.js'

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  const req = syncRequestFrom(args, flags, ctx.global)
  const tagFilters = await compileTagFilters(req.tagPatterns)
  for (const w of req.warnings) ctx.stderr.write(`skiff: warning: ${w}\n`)
  const policy = await loadPolicyContext({
    ...(ctx.global.policyPath ? { policyPath: ctx.global.policyPath } : {}),
    insecure: ctx.global.insecurePolicy,
  })
  const mode = bulkProgressMode(req.progress === 'auto' ? undefined : req.progress, ctx.stderr.isTTY)
  const progress = createBulkProgress({ mode, out: ctx.stderr, dryRun: req.dryRun })
  if (req.dryRun && mode !== 'json' && mode !== 'none')
    ctx.stderr.write(`${logrusLine('warning', 'Running in dry-run mode')}\n`)
  const emit = (e: SyncEvent): void => progress.onEvent(inFlagTerms(e))
  // one budget per image (and per tag listing), as skopeo retries each image on its own
  const retry = <T>(fn: (budget: RetryBudget) => Promise<T>): Promise<T> =>
    runWithRetry(req.retry, fn, { signal: ctx.signal, warn: (message) => emit({ type: 'warning', message }) })

  const signers = [...(req.copy.signers ?? [])]
  if (req.sigstorePrivateKey) {
    const { sigstoreSignerFrom } = await import('../options/sigstore-signer.js')
    signers.push(await sigstoreSignerFrom(req.sigstorePrivateKey, { stdout: ctx.stdout as Writable }))
  }
  const access = new RegistryAccess(ctx.signal, ctx.context)
  let summary
  try {
    const plan = planSync(req.source, req.destination, {
      ...req.plan,
      ...tagFilters,
      access,
      signal: ctx.signal,
      retry,
      onWarning: (message) => emit({ type: 'warning', message }),
    })
    summary = await runSync(plan, {
      // one transfer per blob across images, per-host limits: shared by every copy of this sync
      copy: {
        ...req.copy,
        ...(signers.length ? { signers } : {}),
        policy,
        context: ctx.context,
        signal: ctx.signal,
        shared: createSharedCopyState({ context: ctx.context }),
      },
      ...(req.jobs !== undefined ? { jobs: req.jobs } : {}),
      keepGoing: req.keepGoing,
      force: req.force,
      dryRun: req.dryRun,
      retry,
      onEvent: emit,
      signal: ctx.signal,
      access,
      ...batchFor(req),
    })
  } finally {
    progress.finish()
    await access.close()
  }
  if (req.dryRun && mode !== 'json' && !summary.planError) {
    // skopeo's closing line, counting the images it would have synced (failed checks excluded)
    const n = summary.images.filter((r) => r.result !== 'failed').length
    const present = summary.images.filter((r) => r.reason === 'present').length
    ctx.stderr.write(
      `${logrusLine('info', `Would have synced ${n} images from ${summary.sources} sources (dry run: nothing was copied; ${present} already present)`)}\n`,
    )
  }
  if (ctx.signal.aborted) throw ctx.signal.reason
  if (req.digestFile && !req.dryRun) {
    try {
      await writeOutputFile(req.digestFile, digestFileText(summary))
    } catch (e) {
      throw new SkiffError('ERR_IO', `Error creating digest file "${req.digestFile}": ${(e as Error).message}`, {
        cause: e,
      })
    }
  }
  if (req.reportFile) {
    try {
      const shard = req.plan.shard
      await writeReport(req.reportFile, { ...summaryInFlagTerms(summary), ...(shard ? { shard } : {}) })
    } catch (e) {
      throw new SkiffError('ERR_IO', `cannot write the report ${req.reportFile}: ${(e as Error).message}`, { cause: e })
    }
  }
  if (summary.planError) return 1
  if (summary.failed > 0) {
    ctx.stderr.write(
      `skiff: Sync failed due to previous reported error(s) for ${summary.failed} image${summary.failed === 1 ? '' : 's'}${req.keepGoing ? '' : ' (stopped at the first failure; --keep-going copies the others)'}\n`,
    )
    return 1
  }
  return 0
}

function batchFor(req: ReturnType<typeof syncRequestFrom>): { batch?: SyncBatch } {
  const batch = syncBatch(req.source, req.destination, req.copy)
  return batch ? { batch } : {}
}

/** A summary with its messages in flag terms (the library's name options). */
function summaryInFlagTerms(s: SyncSummary): SyncSummary {
  const images = s.images.map((r) => (r.error === undefined ? r : { ...r, error: flagTerms(r.error) }))
  return { ...s, images, ...(s.planError === undefined ? {} : { planError: flagTerms(s.planError) }) }
}

/** An event with its messages in flag terms. */
function inFlagTerms(e: SyncEvent): SyncEvent {
  if (e.type === 'warning') return { ...e, message: flagTerms(e.message) }
  if ((e.type === 'image-done' || e.type === 'plan-done') && e.error !== undefined)
    return { ...e, error: flagTerms(e.error) }
  if (e.type === 'sync-done') return { ...e, summary: summaryInFlagTerms(e.summary) }
  return e
}
