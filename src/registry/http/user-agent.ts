/** Sends a User-Agent on every request that does not bring its own. */
import type { Interceptor } from './types.js'
import { withHeader } from './headers.js'

export function userAgent(value: string): Interceptor {
  return (dispatch) => (opts, handler) =>
    dispatch({ ...opts, headers: withHeader(opts.headers, 'user-agent', value, false) }, handler)
}
