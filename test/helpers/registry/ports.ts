/** Free TCP ports on 127.0.0.1 (the helpers never bind any other address). */
import { createServer } from 'node:net'

export const LOOPBACK = '127.0.0.1'

/**
 * A port that was free a moment ago. Another process may still take it before the caller binds it:
 * callers that hand the port to a child process retry on "address already in use".
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, LOOPBACK, () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => (port ? resolve(port) : reject(new Error('could not find a free port on 127.0.0.1'))))
    })
  })
}
