/** Timing helpers of the benchmark: wall time and peak RSS of a command (/usr/bin/time), medians, rows. */
import { spawnSync } from 'node:child_process'

export interface Sample {
  seconds: number
  /** user + system CPU of the command and every child it waited for */
  cpuSeconds: number
  /** the largest RSS of the command or of any one of its children */
  maxRssKiB: number
}

export interface Cmd {
  cmd: string
  argv: string[]
  env?: Record<string, string>
}

export function timed(c: Cmd): Sample {
  const t0 = process.hrtime.bigint()
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', c.cmd, ...c.argv], {
    encoding: 'utf8',
    env: { ...process.env, ...(c.env ?? {}) },
    maxBuffer: 256 * 1024 * 1024,
  })
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0) throw new Error(`${c.cmd} ${c.argv.join(' ')} failed:\n${r.stderr.slice(-4000)}`)
  const last = r.stderr.trim().split('\n').pop()!.split(' ')
  // /usr/bin/time has 10 ms resolution: use our own clock for the wall time
  return { seconds: wall, maxRssKiB: Number(last[1]), cpuSeconds: Number(last[2]) + Number(last[3]) }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

export function hasSkopeo(): boolean {
  return spawnSync('sh', ['-c', 'command -v skopeo'], { stdio: 'ignore' }).status === 0
}

export const HEADER = [
  '| workload | skiff median s | skopeo median s | ratio | target | skiff CPU s | skopeo CPU s | skiff peak RSS MiB | skopeo peak RSS MiB |',
  '|---|---|---|---|---|---|---|---|---|',
]

/** One table row from the samples of both tools (skopeo's may be empty when it is not installed). CPU: medians. */
export function row(name: string, ours: Sample[], theirs: Sample[], target = ''): string {
  const a = median(ours.map((s) => s.seconds))
  const ca = median(ours.map((s) => s.cpuSeconds))
  const ra = Math.max(...ours.map((s) => s.maxRssKiB)) / 1024
  if (!theirs.length)
    return `| ${name} | ${a.toFixed(3)} | – | – | ${target} | ${ca.toFixed(2)} | – | ${ra.toFixed(0)} | – |`
  const b = median(theirs.map((s) => s.seconds))
  const cb = median(theirs.map((s) => s.cpuSeconds))
  const rb = Math.max(...theirs.map((s) => s.maxRssKiB)) / 1024
  return `| ${name} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(2)}× | ${target} | ${ca.toFixed(2)} | ${cb.toFixed(2)} | ${ra.toFixed(0)} | ${rb.toFixed(0)} |`
}
