/**
 * runSync: plans first (every repository listed, every destination named), then checks the plan
 * (repeated source → destination pairs copied once; two sources naming one destination refuse
 * the sync before anything is copied: collisions.ts), then copies the images through the engine,
 * `jobs` at a time. Each image: skip check (HEAD only; --force disables it), then copyImage; with
 * --dry-run, a check that the source exists instead of the copy. Without --keep-going the first
 * failure stops new images from starting (running ones finish). Reports everything as SyncEvents
 * and returns the summary.
 */
import { setMaxListeners } from 'node:events'
import { performance } from 'node:perf_hooks'
import type { CopyOptions } from '../copy/options.js'
import { newContext } from '../registry/context.js'
import type { ImageReference, TransportOptions } from '../transports/types.js'
import type { PolicyContext } from '../policy/types.js'
import type { SyncEvent } from './events.js'
import { resolvePlan } from './collisions.js'
import { alreadyPresent, sourceExists } from './present.js'
import { RegistryAccess } from './registry-access.js'
import type { ImageResult, SyncBatch, SyncItem, SyncSummary } from './types.js'
import type { RetryBudget } from '../util/retry.js'

export const DEFAULT_SYNC_JOBS = 4
/** Without `jobs`: the most images in flight the adaptive count grows to. */
export const MAX_SYNC_JOBS = 32
/**
 * Without `jobs`, images in flight start at DEFAULT_SYNC_JOBS and grow by one (up to
 * MAX_SYNC_JOBS) each time an image finishes while the event loop was busy less than this share
 * of the time since the last check (event-loop utilization): the process was waiting on the
 * registries (a long round trip), not computing. A process that keeps its loop busy (loopback,
 * CPU-bound) stays where it is, and so, mostly, does one starved of CPU by other processes: time it
 * waits for a core while it has work to do counts as busy (a CPU-time share read that as waiting,
 * and grew to 32 on a loaded machine, which measured slower than 4).
 * The count never shrinks; the registries' own limits (http/concurrency.ts: requests per host,
 * halved on 429/503) bound what is actually sent.
 */
export const GROW_BELOW_LOOP_SHARE = 0.5

export interface SyncRunOptions {
  /** Engine options for every image (policy, format, multiArch, destination access, shared state, …). */
  copy: CopyOptions
  /** Images copied at once; default adaptive (DEFAULT_SYNC_JOBS, growing to MAX_SYNC_JOBS while the process waits on the network). */
  jobs?: number
  keepGoing?: boolean
  /** Copy even when the destination already holds the image. */
  force?: boolean
  /** Plan, check presence and that each source exists, but copy nothing. */
  dryRun?: boolean
  /**
   * Wraps each image's copy (skopeo retries whole images with --retry-times) and hands it the
   * image's retry budget (util/retry.ts), which its registry requests spend from too.
   */
  retry?: <T>(fn: (budget?: RetryBudget) => Promise<T>) => Promise<T>
  onEvent?: (e: SyncEvent) => void
  signal?: AbortSignal
  /** Shared with the planner: kept-alive registry clients for HEADs and tag lists. */
  access?: RegistryAccess
  /** Copies the items it accepts without the engine, and publishes them once at the end (syncBatch()). */
  batch?: SyncBatch
}

/** `o` with `context` unless it names its own. */
function inContext(o: TransportOptions | undefined, context: NonNullable<CopyOptions['context']>): TransportOptions {
  return o?.context ? o : { ...(o ?? {}), context }
}

interface Queued {
  index: number
  item: SyncItem
  /** 1-based position of the image in its source group (repository, directory, layout), and the group's size. */
  position: { n: number; of: number }
}

export async function runSync(plan: AsyncIterable<SyncItem>, opts: SyncRunOptions): Promise<SyncSummary> {
  const emit = opts.onEvent ?? (() => {})
  const jobs = opts.jobs ?? DEFAULT_SYNC_JOBS
  const adaptive = opts.jobs === undefined
  const started = Date.now()
  // one context for every image (client pool, blob locations for mounts): the given one, the run's, the access's, else a fresh one
  const given = opts.copy.context ?? opts.copy.shared?.context ?? opts.access?.context
  const context = given ?? newContext()
  // images come one after another through the same clients: keep them (pings, tokens, connections)
  // between images; the context is closed at the end (here, or by whoever gave it)
  context.keepClients()
  const access = opts.access ?? new RegistryAccess(opts.signal, context)
  const copyOpts: CopyOptions = {
    ...opts.copy,
    context,
    ...(opts.copy.destination ? { destination: inContext(opts.copy.destination, context) } : {}),
  }
  const signal = opts.signal ?? opts.copy.signal
  // every image in flight listens on the one signal (several times: requests, streams): not a leak
  if (signal) setMaxListeners(0, signal)
  const queue: Queued[] = []
  const groups = new Set<string>()
  const results: ImageResult[] = []
  let planned = 0
  let planDone = false
  let planError: unknown
  let stop = false
  let done = 0
  let wake: (() => void) | undefined
  const notify = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }

  const pump = (async () => {
    const all: SyncItem[] = []
    try {
      for await (const item of plan) {
        if (stop || signal?.aborted) break
        all.push(item)
      }
      const items = resolvePlan(all)
      const groupSize = new Map<string, number>()
      for (const item of items) groupSize.set(item.group, (groupSize.get(item.group) ?? 0) + 1)
      const seen = new Map<string, number>()
      for (const item of items) {
        const index = planned++
        groups.add(item.group)
        const n = (seen.get(item.group) ?? 0) + 1
        seen.set(item.group, n)
        queue.push({ index, item, position: { n, of: groupSize.get(item.group)! } })
        emit({
          type: 'image-planned',
          index,
          source: item.source.toString(),
          destination: item.destination.toString(),
          label: item.label,
          planned,
        })
      }
    } catch (e) {
      planError = e
      stop = true
    } finally {
      planDone = true
      emit({ type: 'plan-done', total: planned, ...(planError ? { error: (planError as Error).message } : {}) })
      notify()
    }
  })()

  const next = async (): Promise<Queued | undefined> => {
    for (;;) {
      if (stop || signal?.aborted) return undefined
      const q = queue.shift()
      if (q) return q
      if (planDone) return undefined
      await new Promise<void>((resolve) => {
        const prev = wake
        wake = () => {
          prev?.()
          resolve()
        }
      })
    }
  }

  const one = async ({ index, item }: Queued): Promise<ImageResult> => {
    const t0 = Date.now()
    const source = item.source.toString()
    const destination = item.destination.toString()
    emit({ type: 'image-start', index, source, destination, label: item.label })
    const base = { index, source, destination, bytesCopied: 0, bytesReused: 0 }
    const srcOpts = inContext(item.sourceOptions ?? opts.copy.source, context)
    try {
      if (opts.batch) {
        const r = await opts.batch.copy(item, {
          force: opts.force ?? false,
          dryRun: opts.dryRun ?? false,
          ...(signal ? { signal } : {}),
          onEvent: (event) => emit({ type: 'copy', index, event }),
          checkPolicy: () => checkSourcePolicy(opts.copy.policy, item.source, srcOpts),
        })
        if (r) {
          const bytes = { bytesCopied: r.bytesCopied, bytesReused: r.bytesReused }
          if (r.result === 'copied')
            return { ...base, ...bytes, digest: r.digest, result: 'copied', ms: Date.now() - t0 }
          const reason = r.result === 'present' ? 'present' : 'dry-run'
          return { ...base, digest: r.digest, result: 'skipped', reason, ms: Date.now() - t0 }
        }
      }
      if (!opts.force) {
        const digest = await alreadyPresent(item.source, item.destination, {
          access,
          source: srcOpts,
          ...(copyOpts.destination ? { destination: copyOpts.destination } : {}),
          ...(opts.copy.multiArch ? { multiArch: opts.copy.multiArch } : {}),
          ...(opts.copy.platform ? { platform: opts.copy.platform } : {}),
        })
        if (digest) return { ...base, digest, result: 'skipped', reason: 'present', ms: Date.now() - t0 }
      }
      if (opts.dryRun) {
        const check = (budget?: RetryBudget) => sourceExists(item.source, budgeted(srcOpts, budget), access)
        await (opts.retry ? opts.retry(check) : check())
        return { ...base, result: 'skipped', reason: 'dry-run', ms: Date.now() - t0 }
      }
      // the engine (and what it loads: policy requirements, signatures, every transport's writer)
      // loads for the first image that needs it: a select or bundle batch never does
      const { copyImage } = await import('../copy/copy.js')
      const copyOnce = (budget?: RetryBudget) => {
        base.bytesCopied = 0
        base.bytesReused = 0
        const source = budgeted(srcOpts, budget)
        const destination = budgeted(copyOpts.destination, budget)
        return copyImage(item.source, item.destination, {
          ...copyOpts,
          ...(source ? { source } : {}),
          ...(destination ? { destination } : {}),
          ...(signal ? { signal } : {}),
          onEvent: (event) => {
            if (event.type === 'blob-done' && event.size > 0) {
              if (event.reused) base.bytesReused += event.size
              else base.bytesCopied += event.size
            }
            emit({ type: 'copy', index, event })
          },
        })
      }
      const r = await (opts.retry ? opts.retry(copyOnce) : copyOnce())
      return { ...base, digest: r.manifestDigest, result: 'copied', ms: Date.now() - t0 }
    } catch (e) {
      return { ...base, result: 'failed', error: (e as Error).message, ms: Date.now() - t0 }
    }
  }

  let onDone = (): void => {}
  const worker = async (): Promise<void> => {
    for (let q = await next(); q; q = await next()) {
      const r = await one(q)
      results.push(r)
      done++
      onDone()
      emit({ type: 'image-done', label: q.item.label, done, total: planned, position: q.position, ...r })
      if (r.result === 'failed' && !opts.keepGoing) {
        stop = true
        notify()
      }
    }
  }

  const workers: Promise<void>[] = Array.from({ length: Math.max(1, jobs) }, worker)
  let lastLoop = performance.eventLoopUtilization()
  const grow = (): void => {
    if (!adaptive || workers.length >= MAX_SYNC_JOBS || stop || (planDone && !queue.length)) return
    const now = performance.eventLoopUtilization()
    const busy = performance.eventLoopUtilization(now, lastLoop).utilization
    lastLoop = now
    if (busy < GROW_BELOW_LOOP_SHARE) workers.push(worker())
  }
  onDone = grow
  try {
    await pump
    // workers may be added while these run: wait until none is left
    for (let n = 0; n < workers.length;) {
      n = workers.length
      await Promise.all(workers.slice(0, n))
    }
    if (opts.batch) {
      const complete = planError === undefined && !signal?.aborted && results.every((r) => r.result !== 'failed')
      if (signal?.aborted) await opts.batch.discard()
      else await opts.batch.finish({ complete, keepGoing: opts.keepGoing ?? false })
    }
  } catch (e) {
    await opts.batch?.discard()
    throw e
  } finally {
    if (!opts.access) await access.close()
    if (!given) await context.close()
  }
  results.sort((a, b) => a.index - b.index)
  const sum = (k: 'bytesCopied' | 'bytesReused'): number => results.reduce((n, r) => n + r[k], 0)
  const summary: SyncSummary = {
    images: results,
    copied: results.filter((r) => r.result === 'copied').length,
    skipped: results.filter((r) => r.result === 'skipped').length,
    failed: results.filter((r) => r.result === 'failed').length,
    notStarted: planned - results.length,
    bytesCopied: sum('bytesCopied'),
    bytesReused: sum('bytesReused'),
    ms: Date.now() - started,
    sources: groups.size,
    ...(planError ? { planError: (planError as Error).message } : {}),
  }
  emit({ type: 'sync-done', summary })
  return summary
}

/** `o` with the image's retry budget (unchanged without one). */
function budgeted(o: TransportOptions | undefined, budget: RetryBudget | undefined): TransportOptions | undefined {
  return budget ? { ...(o ?? {}), retry: budget } : o
}

/**
 * The policy check the engine makes (copy/copy.ts), for a batch that copies without it: nothing to
 * open when the policy accepts anything for the source; otherwise its manifest and signatures are
 * read and every requirement evaluated.
 */
async function checkSourcePolicy(policy: PolicyContext, ref: ImageReference, opts: TransportOptions): Promise<void> {
  if (policy.acceptsAnything?.(ref)) return
  const src = await ref.newImageSource(opts)
  try {
    await policy.checkSource(ref, src)
  } finally {
    await src.close()
  }
}
