/**
 * A real Docker daemon for tests (Debian's docker.io): vfs storage, no networking, everything in a
 * temp dir, listening on a unix socket there (plus, optionally, a TLS TCP listener on 127.0.0.1).
 * Slow to start (a few seconds): start one per test file and close it in `after`. Closing sends
 * SIGTERM and waits (SIGKILL after a grace period, also for its managed containerd), then removes
 * the temp dir. A process-exit hook kills whatever is still running if a test run dies.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { requireTool, run, type RunResult } from './tools.js'

export interface DockerdTcpTls {
  port: number
  caPath: string
  certPath: string
  keyPath: string
}

export interface Dockerd {
  dir: string
  socket: string
  /** `unix://<socket>`, for --daemon-host / DOCKER_HOST / TransportOptions.registry.daemonHost. */
  host: string
  /** Runs the docker CLI against this daemon. */
  docker(args: string[]): Promise<RunResult>
  close(): Promise<void>
}

/** Running daemons and their managed containerd's pid file, for the exit hook. */
const live = new Map<ChildProcess, string>()
let hooked = false

function killPidFile(path: string): void {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim())
    if (pid > 0) process.kill(pid, 'SIGKILL')
  } catch {
    // gone already
  }
}

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', method: 'GET', timeout: 1000 }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
    req.end()
  })
}

async function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true
  const timer = new Promise<false>((r) => setTimeout(() => r(false), ms).unref())
  return Promise.race([once(child, 'exit').then(() => true), timer])
}

/** Starts dockerd in a fresh temp dir and waits until `GET /_ping` answers. */
export async function startDockerd(opts: { tcpTls?: DockerdTcpTls; startTimeoutMs?: number } = {}): Promise<Dockerd> {
  requireTool('dockerd')
  requireTool('docker')
  // Short paths: unix socket paths are limited to 108 bytes (containerd's live under the exec root).
  const dir = await mkdtemp(join(tmpdir(), 'skiff-dockerd-'))
  const socket = join(dir, 'd.sock')
  const host = `unix://${socket}`
  const args = [
    '--storage-driver=vfs',
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    '--data-root',
    join(dir, 'data'),
    '--exec-root',
    join(dir, 'exec'),
    '-H',
    host,
    '--pidfile',
    join(dir, 'dockerd.pid'),
  ]
  if (opts.tcpTls) {
    const t = opts.tcpTls
    args.push(
      '-H',
      `tcp://127.0.0.1:${t.port}`,
      '--tlsverify',
      '--tlscacert',
      t.caPath,
      '--tlscert',
      t.certPath,
      '--tlskey',
      t.keyPath,
    )
  }
  const logPath = join(dir, 'dockerd.log')
  const logFd = openSync(logPath, 'a')
  const child = spawn('dockerd', args, { stdio: ['ignore', logFd, logFd] })
  closeSync(logFd)
  const containerdPid = join(dir, 'exec', 'containerd', 'containerd.pid')
  live.set(child, containerdPid)
  child.once('exit', () => live.delete(child))
  if (!hooked) {
    hooked = true
    process.once('exit', () => {
      for (const [c, pidFile] of live) {
        c.kill('SIGKILL')
        killPidFile(pidFile)
      }
    })
  }
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      if (!(await waitExit(child, 20_000))) {
        child.kill('SIGKILL')
        await waitExit(child, 5_000)
        killPidFile(containerdPid) // a killed dockerd cannot stop its containerd
      }
    }
    // vfs layers may hold read-only directories: rm -rf copes where fs.rm might not.
    const r = await run('rm', ['-rf', dir])
    if (r.code !== 0) await rm(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000)
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('dockerd exited during start-up')
      if (await ping(socket)) break
      if (Date.now() > deadline) throw new Error('dockerd did not answer /_ping in time')
      await new Promise((r) => setTimeout(r, 200))
    }
  } catch (e) {
    const log = await readFile(logPath, 'utf8').catch(() => '')
    await close()
    throw new Error(`${(e as Error).message}; last log lines:\n${log.split('\n').slice(-15).join('\n')}`, { cause: e })
  }
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: join(dir, 'cli-config') }
  delete env.DOCKER_HOST
  return {
    dir,
    socket,
    host,
    docker: (a) => run('docker', ['-H', host, ...a], { env }),
    close,
  }
}
