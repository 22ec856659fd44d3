// Test-only preload (`node --import THIS …`), never part of the package: counts the steps of a real
// skiff process that change the world outside it, and kills the process with SIGKILL at a chosen
// step, so the kill -9 suite (test/faults/helpers.ts) hits every phase of a copy deterministically
// instead of at random moments. A step is a call that writes: opening a file for writing, a write,
// rename, link, unlink, mkdir, rm, fsync, truncate, and every write to a socket (an HTTP request's
// head or a piece of its body). Nothing else is changed: the call itself runs unmodified.
//   SKIFF_KILL_TRACE=FILE  record every step (kind, path or request line, bytes, ms since start) and
//                          write them to FILE as JSON when the process exits;
// Data steps (writes to files and sockets) and the other steps are counted apart: how a stream's
// chunks coalesce into writes varies from run to run, the order of the other steps much less. Steps
// on another process's temp names (the sweep of what a killed run left) are not counted: how many
// there are depends on the earlier kills, not on this run.
//   SKIFF_KILL_AT=s:N      SIGKILL just before the N-th (1-based) step that is not a data write;
//   SKIFF_KILL_AT=d:N      SIGKILL just before the N-th data write;
//   SKIFF_KILL_AT=X:N+Dms  SIGKILL D ms after that step started (for the wait that follows the last
//                          step, e.g. a daemon loading what was sent).
//   SKIFF_KILL_SPAWN=1     also count starting a program (child_process.spawn) as a step, named
//                          `spawn` with the command line (the containers-storage transport's steps).
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import net from 'node:net'
import childProcess from 'node:child_process'
import { syncBuiltinESMExports } from 'node:module'
import { performance } from 'node:perf_hooks'

const tracePath = process.env.SKIFF_KILL_TRACE
const at = /^([sd]):(\d+)(?:\+(\d+)ms)?$/.exec(process.env.SKIFF_KILL_AT ?? '')
if (process.env.SKIFF_KILL_AT && !at) throw new Error(`kill-hook: bad SKIFF_KILL_AT ${process.env.SKIFF_KILL_AT}`)
const killClass = at?.[1]
const killAt = at ? Number(at[2]) : 0
const delayMs = at?.[3] !== undefined ? Number(at[3]) : undefined
const writeFileSync = fs.writeFileSync
const trace = []
const count = { s: 0, d: 0 }

function kill() {
  process.kill(process.pid, 'SIGKILL')
}

/** One step: `kind` (e.g. 'rename'), `what` (a path or an HTTP request line), `bytes` written. */
function step(kind, what, bytes) {
  const owner = /skiff(\d+)-\d+-[0-9a-f]{6}\./.exec(String(what ?? ''))
  const c = owner && Number(owner[1]) !== process.pid ? 'x' : kind === 'write' || kind === 'send' ? 'd' : 's'
  count[c] = (count[c] ?? 0) + 1
  if (c === killClass && count[c] === killAt) {
    if (delayMs === undefined) kill()
    else setTimeout(kill, delayMs)
  }
  if (tracePath)
    trace.push({ kind, what: String(what ?? ''), bytes, ms: Math.round(performance.now()), n: `${c}:${count[c]}` })
}

const isWriteFlag = (flags) =>
  typeof flags === 'string' ? /[wax+]/.test(flags) : typeof flags === 'number' && (flags & 3) !== 0
const size = (b) =>
  typeof b === 'string'
    ? Buffer.byteLength(b)
    : Array.isArray(b)
      ? b.reduce((n, x) => n + x.length, 0)
      : (b?.byteLength ?? 0)

function wrap(obj, name, describe) {
  const orig = obj[name]
  if (typeof orig !== 'function') return
  obj[name] = function (...args) {
    const d = describe(...args)
    if (d) step(d[0], d[1], d[2] ?? 0)
    return orig.apply(this, args)
  }
}

const pathStep = (kind) => (p) => [kind, p]
for (const [o, suffix] of [
  [fs, ''],
  [fs, 'Sync'],
  [fsp, ''],
]) {
  for (const kind of [
    'rename',
    'link',
    'symlink',
    'unlink',
    'mkdir',
    'rm',
    'rmdir',
    'copyFile',
    'truncate',
    'mkdtemp',
  ]) {
    wrap(o, kind + suffix, pathStep(kind))
  }
  wrap(o, 'open' + suffix, (p, flags) => (isWriteFlag(flags) ? ['open', p] : undefined))
  wrap(o, 'writeFile' + suffix, (p, data) => ['writeFile', typeof p === 'number' ? `fd ${p}` : p, size(data)])
  wrap(o, 'appendFile' + suffix, (p, data) => ['writeFile', typeof p === 'number' ? `fd ${p}` : p, size(data)])
}
for (const suffix of ['', 'Sync']) {
  wrap(fs, 'write' + suffix, (fd, b) => ['write', `fd ${fd}`, size(b)])
  wrap(fs, 'writev' + suffix, (fd, b) => ['write', `fd ${fd}`, size(b)])
  wrap(fs, 'fsync' + suffix, (fd) => ['fsync', `fd ${fd}`])
  wrap(fs, 'fdatasync' + suffix, (fd) => ['fsync', `fd ${fd}`])
  wrap(fs, 'ftruncate' + suffix, (fd) => ['truncate', `fd ${fd}`])
}
// FileHandle (fs/promises open): its methods live on the class's prototype
const probe = await fsp.open('/dev/null', 'r')
const FileHandle = Object.getPrototypeOf(probe)
await probe.close()
wrap(FileHandle, 'write', (b) => ['write', 'handle', size(b)])
wrap(FileHandle, 'writev', (b) => ['write', 'handle', size(b)])
wrap(FileHandle, 'writeFile', (b) => ['writeFile', 'handle', size(b)])
wrap(FileHandle, 'appendFile', (b) => ['writeFile', 'handle', size(b)])
wrap(FileHandle, 'sync', () => ['fsync', 'handle'])
wrap(FileHandle, 'datasync', () => ['fsync', 'handle'])
wrap(FileHandle, 'truncate', () => ['truncate', 'handle'])
// sockets: an HTTP request's head is its own step, named by its request line
const socketWrite = net.Socket.prototype.write
net.Socket.prototype.write = function (chunk, ...rest) {
  const text =
    typeof chunk === 'string'
      ? chunk.slice(0, 200)
      : Buffer.isBuffer(chunk)
        ? chunk.subarray(0, 200).toString('latin1')
        : ''
  const line = /^(GET|HEAD|POST|PUT|PATCH|DELETE) (\S+) HTTP\/1\.1\r\n/.exec(text)
  step(line ? 'request' : 'send', line ? `${line[1]} ${line[2]}` : '', size(chunk))
  return socketWrite.call(this, chunk, ...rest)
}
if (process.env.SKIFF_KILL_SPAWN === '1')
  wrap(childProcess, 'spawn', (cmd, args) => [
    'spawn',
    [cmd, ...(Array.isArray(args) ? args : [])].join(' ').slice(0, 300),
  ])
syncBuiltinESMExports()

if (tracePath) {
  process.on('exit', () => {
    writeFileSync(tracePath, JSON.stringify({ steps: trace, exitMs: Math.round(performance.now()) }))
  })
}
