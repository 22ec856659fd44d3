/**
 * Logs every request as it is sent (`> METHOD URL {headers}`) and its answer (`< STATUS METHOD
 * URL`) through the context's DebugLog (log.ts), which redacts credentials; nothing is built unless
 * --debug is on.
 * Innermost in the chain, so every retry and redirect hop is one pair of lines.
 */
import type { DebugLog } from '../log.js'
import { headerRecord } from './headers.js'
import { urlOf, type Controller, type Handler, type Interceptor } from './types.js'

export function debugLogging(debugLog: DebugLog): Interceptor {
  return (dispatch) => (opts, handler) => {
    const url = urlOf(opts)
    debugLog(() => `registry: > ${opts.method} ${url.href} ${JSON.stringify(headerRecord(opts.headers))}`)
    const logged: Handler = {
      onRequestStart: (c: Controller, ctx: unknown) => handler.onRequestStart?.(c, ctx),
      onRequestUpgrade: (c, status, headers, socket) => handler.onRequestUpgrade?.(c, status, headers, socket),
      onResponseStart: (c, status, headers, message) => {
        debugLog(() => `registry: < ${status} ${opts.method} ${url.href}`)
        handler.onResponseStart?.(c, status, headers, message)
      },
      onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
      onResponseEnd: (c, trailers) => handler.onResponseEnd?.(c, trailers),
      onResponseError: (c, e) => handler.onResponseError?.(c, e),
    }
    return dispatch(opts, logged)
  }
}
