/** The trust-policy contract the copy engine relies on (implementation: policy/context.ts). */
import type { ImageReference, ImageSource } from '../transports/types.js'

export interface PolicyContext {
  /**
   * Resolves when the policy allows using the image read from `source` (named by `ref`);
   * rejects with PolicyDeniedError (code ERR_POLICY_DENIED) when it does not, or when a
   * requirement cannot be checked by this version of skiff (never silently accepts).
   */
  checkSource(ref: ImageReference, source: ImageSource): Promise<void>
}
