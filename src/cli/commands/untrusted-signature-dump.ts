/** `skiff untrusted-signature-dump-without-verification SIGNATURE`: what a signature claims, NOT verified (skopeo's JSON). */
import { readFile } from 'node:fs/promises'
import { SkiffError } from '../../errors.js'
import { goMarshalIndent } from '../../go/json.js'
import { GoTime, NIL_PTR } from '../../go/values.js'
import { untrustedSignatureInformation } from '../../signature/standalone.js'
import type { FlagValues } from '../flags.js'
import { UsageError } from '../usage-error.js'
import type { CommandContext } from './types.js'

/** Go's time.Unix(ts, 0): that instant in the local zone (its offset then). */
function localTime(ts: number): GoTime {
  const d = new Date(ts * 1000)
  return GoTime.parse(d.toISOString().replace(/\.\d{3}Z$/, 'Z'))!.inOffset(-d.getTimezoneOffset())
}

export async function run(args: string[], _flags: FlagValues, ctx: CommandContext): Promise<number> {
  if (args.length !== 1) throw new UsageError('Usage: skopeo untrusted-signature-dump-without-verification signature')
  const path = args[0]!
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (e) {
    throw new SkiffError('ERR_IO', `Error reading untrusted signature from ${path}: ${(e as Error).message}`, { cause: e })
  }
  let info
  try {
    info = await untrustedSignatureInformation(bytes)
  } catch (e) {
    throw new SkiffError('ERR_SIGNATURE_INVALID', `Error decoding untrusted signature: ${(e as Error).message}`, { cause: e })
  }
  const out = {
    UntrustedDockerManifestDigest: info.untrustedDockerManifestDigest,
    UntrustedDockerReference: info.untrustedDockerReference,
    UntrustedCreatorID: info.untrustedCreatorID ?? NIL_PTR,
    UntrustedTimestamp: info.untrustedTimestamp !== undefined ? localTime(info.untrustedTimestamp) : NIL_PTR,
    UntrustedShortKeyIdentifier: info.untrustedShortKeyIdentifier,
  }
  ctx.stdout.write(`${goMarshalIndent(out)}\n`)
  return 0
}
