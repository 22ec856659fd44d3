/**
 * The signatures of one manifest being copied (containers/image copy/sign.go): the source's, unless
 * removed, refused early by a destination that cannot store them; and new ones from the signers.
 */
import { SkiffError, opt, withOptions } from '../errors.js'
import type { PolicyImage } from '../policy/types.js'
import type { Signature } from '../signature/types.js'
import type { CopyContext } from './context.js'

/** The source signatures to copy for `image` ([] with removeSignatures). */
export async function sourceSignatures(ctx: CopyContext, image: PolicyImage, list = false): Promise<Signature[]> {
  if (ctx.removeSignatures) return []
  const sigs = await image.signatures()
  if (sigs.length) {
    ctx.emit({ type: 'signatures-check', ...(list ? { list: true } : {}) })
    if (!ctx.dest.properties.supportsSignatures)
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        withOptions`${ctx.srcName} has signatures, but ${ctx.destName} cannot store them; use ${opt('removeSignatures', { value: true })} to copy without them`,
      )
  }
  return sigs
}

/** Copying changed the manifest (`written` ≠ the source's `original` digest) of an image with signatures. */
export function refuseInvalidatedSignatures(ctx: CopyContext, sigs: Signature[], changed: boolean): void {
  if (sigs.length && changed)
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      withOptions`copying ${ctx.srcName} to ${ctx.destName} changes the manifest, which would invalidate its signatures; use ${opt('removeSignatures', { value: true })}`,
    )
}

/** New signatures of `manifest` (the bytes written), one per signer. */
export async function createSignatures(ctx: CopyContext, manifest: Buffer): Promise<Signature[]> {
  if (ctx.signers.length === 0) return []
  let identity = ctx.signIdentity
  if (identity) {
    if (identity.isNameOnly())
      throw new SkiffError(
        'ERR_INVALID_ARGUMENT',
        `Sign identity must be a fully specified reference ${identity.toString()}`,
      )
  } else {
    identity = ctx.dest.reference.dockerReference()
    if (!identity)
      throw new SkiffError(
        'ERR_INVALID_ARGUMENT',
        withOptions`Cannot determine canonical Docker reference for destination ${ctx.destName}; name the identity to sign with ${opt('signIdentity')}`,
      )
  }
  const out: Signature[] = []
  for (const signer of ctx.signers) {
    ctx.emit({ type: 'signing', message: signer.progressMessage })
    out.push(await signer.sign(manifest, identity, ctx.signal ? { signal: ctx.signal } : {}))
  }
  return out
}
