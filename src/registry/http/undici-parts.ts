/**
 * The three parts of undici the HTTP layer uses, loaded by their own files instead of through
 * undici's index.js. The index also loads fetch, WebSocket, EventSource, the cache stores, the
 * mock agents and cookies — and through them Node's own bundled copy of undici — which was ~70 %
 * of the registry client's start-up (a 1 MB bundle chunk compiled and run by every `inspect
 * docker://` and `copy` process). Types still come from undici's own declarations.
 *
 * `request` is undici's Dispatcher.prototype.request (api-request.js), called on our dispatcher
 * with `.call`: the index would have mixed it into Dispatcher.prototype; we leave that alone.
 */
import type { Agent as AgentType, Dispatcher, Pool as PoolType } from 'undici'
// @ts-expect-error: undici ships no declarations for its internal files (types are asserted below)
import AgentImpl from 'undici/lib/dispatcher/agent.js'
// @ts-expect-error: see above
import PoolImpl from 'undici/lib/dispatcher/pool.js'
// @ts-expect-error: see above
import requestImpl from 'undici/lib/api/api-request.js'

export const Agent = AgentImpl as typeof AgentType
export type Agent = AgentType
export const Pool = PoolImpl as typeof PoolType
export type Pool = PoolType

/** undici's `dispatcher.request(opts)` for any dispatcher (a composed one included). */
export function request(dispatcher: Dispatcher, opts: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return (requestImpl as (this: Dispatcher, o: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>).call(
    dispatcher,
    opts,
  )
}
