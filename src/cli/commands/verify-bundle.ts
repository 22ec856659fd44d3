/**
 * `skiff verify-bundle BUNDLE`: checks a release bundle offline (every blob's digest, every link,
 * every tagged image whole, SHA256SUMS and images.txt) and prints one summary line; a damaged,
 * truncated or altered bundle fails with one line naming what is wrong (exit 1).
 */
import { verifyBundle } from '../../transports/registry-storage-archive/verify.js'
import type { CommandContext } from './types.js'
import type { FlagValues } from '../flags.js'
import { UsageError } from '../usage-error.js'
import { humanBytes } from '../bulk-progress.js'

export async function run(args: string[], _flags: FlagValues, ctx: CommandContext): Promise<number> {
  if (args.length !== 1) throw new UsageError('Exactly one argument expected')
  const path = args[0]!
  const r = await verifyBundle(path, {
    ...(ctx.global.tmpdir ? { tmpdir: ctx.global.tmpdir } : {}),
    signal: ctx.signal,
  })
  ctx.stdout.write(
    `${path}: ${r.images} image${r.images === 1 ? '' : 's'}, ${r.blobs} blobs (${humanBytes(r.bytes)}): every digest verified\n`,
  )
  return 0
}
