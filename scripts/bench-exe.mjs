#!/usr/bin/env node
// Start-up of the single executable against `node bin/skiff` (the README's figures):
//   node scripts/bench-exe.mjs [RUNS] [EXE...]
// For each program, `--version` and `--insecure-policy inspect oci:examples/hello:latest`, RUNS
// times (default 20; NODE24=path adds `bin/skiff` on that Node) after one warm-up run: the median wall time and the mean CPU time
// (user + sys, from GNU time), so that a busy machine disturbs the figures less.
import { spawnSync } from 'node:child_process'

const runs = Number(process.argv[2] ?? 20)
const exes = process.argv.length > 3 ? process.argv.slice(3) : ['dist/exe/skiff-linux-x64']
const programs = [
  [`node ${process.version} bin/skiff`, [process.execPath, 'bin/skiff']],
  ...(process.env.NODE24 ? [[`node v24 bin/skiff`, [process.env.NODE24, 'bin/skiff']]] : []),
  ...exes.map((e) => [e, [e]]),
]
const commands = [
  ['--version', ['--version']],
  ['inspect (local)', ['--insecure-policy', 'inspect', 'oci:examples/hello:latest']],
]

function once(argv) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', ...argv], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`)
  const [wall, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number)
  return { wall, cpu: user + sys }
}

const rows = []
for (const [name, argv] of programs) {
  for (const [what, args] of commands) {
    once([...argv, ...args])
    const r = Array.from({ length: runs }, () => once([...argv, ...args]))
    const walls = r.map((x) => x.wall).sort((a, b) => a - b)
    const cpu = r.reduce((s, x) => s + x.cpu, 0) / runs
    rows.push(`| ${name} | ${what} | ${(walls[runs >> 1] * 1000).toFixed(0)} ms | ${(cpu * 1000).toFixed(0)} ms |`)
  }
}
process.stdout.write(`${runs} runs each\n`)
process.stdout.write(`| program | command | wall (median) | CPU (mean) |\n|---|---|---|---|\n${rows.join('\n')}\n`)
