/**
 * Errors as data: one base class with a stable `code`, subclasses only where a caller branches.
 * Messages name the image and say what to do; `exitCode` is what the CLI exits with.
 */
export type ErrorCode =
  | 'ERR_INVALID_REFERENCE'
  | 'ERR_UNKNOWN_TRANSPORT'
  | 'ERR_IMAGE_NOT_FOUND'
  | 'ERR_DIGEST_MISMATCH'
  | 'ERR_SIZE_MISMATCH'
  | 'ERR_MANIFEST_INVALID'
  | 'ERR_MANIFEST_TYPE_REJECTED'
  | 'ERR_POLICY_DENIED'
  | 'ERR_POLICY_INVALID'
  | 'ERR_UNSUPPORTED'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_INVALID_LAYOUT'
  | 'ERR_UNSAFE_PATH'
  | 'ERR_COMPRESSION'
  | 'ERR_PRESERVE_DIGESTS'
  | 'ERR_NO_MATCHING_PLATFORM'
  | 'ERR_ABORTED'
  | 'ERR_TIMEOUT'
  | 'ERR_IO'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_CREDENTIAL_HELPER'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_TOO_MANY_REQUESTS'
  | 'ERR_REGISTRY'
  | 'ERR_TLS'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_SIGNING'

/**
 * An option a message mentions, as data: the library names it in option terms (a field path of
 * CopyOptions, TransportOptions, PlanOptions, …), e.g. `source.registry.daemonHost` or
 * `removeSignatures: true`; the CLI renders the flag that sets it (`--src-daemon-host`,
 * `--remove-signatures`, in src/cli/flag-terms.ts).
 */
export class OptionMention {
  constructor(
    /** The option's path in the library's option objects, e.g. `registry.tlsVerify`, `multiArch`. */
    readonly option: string,
    /** Whose TransportOptions, in a copy: CopyOptions.source or CopyOptions.destination. */
    readonly side?: 'source' | 'destination',
    /** The value the message suggests. */
    readonly value?: string | number | boolean,
  ) {}

  /** How a message shows it: `` `[side.]option[: JSON value]` ``. */
  toString(): string {
    return `\`${this.side ? `${this.side}.` : ''}${this.option}${this.value === undefined ? '' : `: ${JSON.stringify(this.value)}`}\``
  }

  /** The mention a message's `` `…` `` text shows, or undefined when it is not one (the inverse of toString). */
  static parse(inner: string): OptionMention | undefined {
    const m = /^(?:(source|destination)\.)?([a-z][A-Za-z]*(?:\.[a-z][A-Za-z]*)*)(?:: (.+))?$/.exec(inner)
    if (!m) return undefined
    let value: unknown
    if (m[3] !== undefined) {
      try {
        value = JSON.parse(m[3])
      } catch {
        return undefined
      }
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined
    }
    return new OptionMention(
      m[2]!,
      m[1] as 'source' | 'destination' | undefined,
      value as string | number | boolean | undefined,
    )
  }
}

/** `opt('registry.daemonHost', { side: 'source' })`: a mention to put in a `withOptions` message. */
export function opt(
  option: string,
  more: { side?: 'source' | 'destination'; value?: string | number | boolean } = {},
): OptionMention {
  return new OptionMention(option, more.side, more.value)
}

/** A message text and the options it mentions (what `withOptions` builds). */
export class MessageWithOptions {
  constructor(
    readonly text: string,
    readonly options: readonly OptionMention[],
  ) {}

  toString(): string {
    return this.text
  }
}

/**
 * A message that mentions options: withOptions`${image}: use ${opt('removeSignatures', { value: true })}`.
 * Mentions are rendered in option terms (OptionMention.toString) and collected; a nested
 * MessageWithOptions contributes its text and its mentions.
 */
export function withOptions(strings: TemplateStringsArray, ...values: unknown[]): MessageWithOptions {
  const options: OptionMention[] = []
  let text = strings[0]!
  values.forEach((v, i) => {
    if (v instanceof OptionMention) options.push(v)
    else if (v instanceof MessageWithOptions) options.push(...v.options)
    text += String(v) + strings[i + 1]!
  })
  return new MessageWithOptions(text, options)
}

export interface SkiffErrorOptions {
  cause?: unknown
  /** The image (transport:details) the error is about, when there is one. */
  image?: string
}

export class SkiffError extends Error {
  readonly code: ErrorCode
  readonly image?: string
  /** The options the message mentions (a message built with `withOptions`), for callers to act on. */
  readonly options?: readonly OptionMention[]
  /** Process exit code the CLI uses: 2 for "image not found" (as skopeo), 1 otherwise. */
  get exitCode(): number {
    return this.code === 'ERR_IMAGE_NOT_FOUND' ? 2 : 1
  }

  constructor(code: ErrorCode, message: string | MessageWithOptions, options: SkiffErrorOptions = {}) {
    super(String(message), options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    if (options.image !== undefined) this.image = options.image
    if (message instanceof MessageWithOptions && message.options.length) this.options = message.options
  }
}

export class InvalidReferenceError extends SkiffError {
  constructor(message: string | MessageWithOptions, options?: SkiffErrorOptions) {
    super('ERR_INVALID_REFERENCE', message, options)
  }
}

export class ImageNotFoundError extends SkiffError {
  constructor(message: string | MessageWithOptions, options?: SkiffErrorOptions) {
    super('ERR_IMAGE_NOT_FOUND', message, options)
  }
}

export class DigestMismatchError extends SkiffError {
  readonly expected: string
  readonly actual: string
  constructor(expected: string, actual: string, what: string, options?: SkiffErrorOptions) {
    super(
      'ERR_DIGEST_MISMATCH',
      `${what}: digest mismatch: expected ${expected}, got ${actual}; the source is corrupt or was modified while reading`,
      options,
    )
    this.expected = expected
    this.actual = actual
  }
}

export class ManifestTypeRejectedError extends SkiffError {
  readonly mediaType: string
  constructor(mediaType: string, message: string | MessageWithOptions, options?: SkiffErrorOptions) {
    super('ERR_MANIFEST_TYPE_REJECTED', message, options)
    this.mediaType = mediaType
  }
}

export class PolicyDeniedError extends SkiffError {
  constructor(message: string | MessageWithOptions, options?: SkiffErrorOptions) {
    super('ERR_POLICY_DENIED', message, options)
  }
}

/**
 * The same error, of the same class (instanceof DigestMismatchError still holds, its fields are kept),
 * with `image` set and the message starting with the image name. A copy, so an error object shared by
 * several operations (one blob transfer awaited by two images) is never changed under another's feet.
 * An operating-system error becomes an ERR_IO SkiffError naming the image (the original as its cause);
 * other errors, and those that already name the image, are returned as they are.
 */
export function withImage(e: unknown, image: string): unknown {
  // an operating-system error (EISDIR, EACCES, …) that no layer described: name the image, keep it as the cause
  if (!isSkiffError(e) && e instanceof Error && typeof (e as NodeJS.ErrnoException).errno === 'number') {
    return new SkiffError('ERR_IO', `${image}: ${e.message}`, { cause: e, image })
  }
  if (!isSkiffError(e) || e.message.includes(image)) return e
  const copy = Object.create(Object.getPrototypeOf(e) as object) as SkiffError
  for (const key of Reflect.ownKeys(e)) {
    if (key === 'message' || key === 'stack') continue
    Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(e, key)!)
  }
  const message = `${image}: ${e.message}`
  Object.defineProperty(copy, 'message', { value: message, writable: true, configurable: true, enumerable: false })
  Object.defineProperty(copy, 'image', {
    value: e.image ?? image,
    writable: false,
    configurable: true,
    enumerable: true,
  })
  if (e.stack !== undefined) {
    const stack = e.stack.startsWith(`${e.name}: ${e.message}`)
      ? `${e.name}: ${message}${e.stack.slice(e.name.length + 2 + e.message.length)}`
      : e.stack
    Object.defineProperty(copy, 'stack', { value: stack, writable: true, configurable: true, enumerable: false })
  }
  return copy
}

export function isSkiffError(e: unknown): e is SkiffError {
  return e instanceof SkiffError
}

/** Node's "no such file" family, for turning ENOENT into ImageNotFound at the right places. */
export function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

/** `e` and its causes, outermost first (at most 10 deep: a chain may be cyclic). */
export function causeChain(e: unknown): object[] {
  const out: object[] = []
  for (let x = e; x && typeof x === 'object' && out.length < 10; x = (x as { cause?: unknown }).cause) out.push(x)
  return out
}
