/** Errors of the signature layer, with containers/image's messages. */
import { SkiffError, type SkiffErrorOptions } from '../errors.js'

/** A signature file or payload that cannot be parsed (containers/image: FromBlob's errors). */
export class SignatureFormatError extends SkiffError {
  constructor(message: string, options?: SkiffErrorOptions) {
    super('ERR_SIGNATURE_INVALID', message, options)
  }
}

/**
 * A signature that is not valid: a bad OpenPGP signature, an unexpected key, a payload that does
 * not parse (containers/image's InvalidSignatureError; its message is shown as is).
 */
export class InvalidSignatureError extends SkiffError {
  constructor(message: string, options?: SkiffErrorOptions) {
    super('ERR_SIGNATURE_INVALID', message, options)
  }
}
