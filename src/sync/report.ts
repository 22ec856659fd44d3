/** What a finished sync leaves behind: the --report JSON and the --digestfile lines. */
import { writeOutputFile } from '../util/output.js'
import type { SyncSummary } from './types.js'

/** `{ summary, images: [{source, destination, digest, result, reason?, error?, bytesCopied, bytesReused, ms}] }`. */
export function reportJson(s: SyncSummary): string {
  const { images, ...summary } = s
  return (
    JSON.stringify(
      {
        summary,
        images: images.map((r) => ({
          source: r.source,
          destination: r.destination,
          ...(r.digest ? { digest: r.digest } : {}),
          result: r.result,
          ...(r.reason ? { reason: r.reason } : {}),
          ...(r.error !== undefined ? { error: r.error } : {}),
          bytesCopied: r.bytesCopied,
          bytesReused: r.bytesReused,
          ms: r.ms,
        })),
      },
      null,
      2,
    ) + '\n'
  )
}

export async function writeReport(path: string, s: SyncSummary): Promise<void> {
  await writeOutputFile(path, reportJson(s), { mkdirs: true })
}

/**
 * skopeo's --digestfile: `sha256:… docker://host/repo:tag` per image at the destination (copied or
 * already there), in plan order; nothing for dry runs and failures.
 */
export function digestFileText(s: SyncSummary): string {
  return s.images
    .filter((r) => r.digest && r.reason !== 'dry-run' && r.result !== 'failed')
    .map((r) => `${r.digest} ${r.destination}\n`)
    .join('')
}
