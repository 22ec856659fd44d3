// Preloaded (`node --import`) into every test-file process by scripts/run-tests.mjs when
// SKIFF_TEST_TIMES=FILE is set: at exit each process appends one JSON line to FILE with its test
// file, start and end (ms since the epoch), and the CPU seconds of the process and of every child it
// waited for (utime/stime and cutime/cstime of /proc/self/stat: tools, registries, skiff processes).
// `node scripts/test-times.mjs FILE [N]` prints the N (default 30) longest files: wall and CPU
// seconds, start and end in the run. `node scripts/test-times.mjs FILE --save` writes the wall time
// of every file that took 2 s or more to scripts/test-durations.json, from which run-tests.mjs
// starts the longest files first. Linux only (/proc); the suite does not depend on it.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

const out = process.env.SKIFF_TEST_TIMES
const root = fileURLToPath(new URL('..', import.meta.url))

function cpu() {
  // fields after the ")" of the command name: state is field 3; utime 14, stime 15, cutime 16, cstime 17
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const tick = 100 // USER_HZ on Linux
  const n = (i) => Number(f[i - 3]) / tick
  return { user: n(14), sys: n(15), cuser: n(16), csys: n(17) }
}

const isMain = import.meta.url === `file://${process.argv[1]}`
if (isMain) {
  const rows = readFileSync(process.argv[2], 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
  const t0 = Math.min(...rows.map((r) => r.start))
  const t1 = Math.max(...rows.map((r) => r.end))
  let cpuSum = 0
  for (const r of rows) {
    r.wall = (r.end - r.start) / 1000
    r.cpu = r.user + r.sys + r.cuser + r.csys
    cpuSum += r.cpu
  }
  console.log(
    `${rows.length} files, ${((t1 - t0) / 1000).toFixed(1)} s from the first start to the last end, ${cpuSum.toFixed(1)} CPU-s`,
  )
  const byWall = [...rows].sort((a, b) => b.wall - a.wall || a.file.localeCompare(b.file))
  if (process.argv[3] === '--save') {
    const durations = Object.fromEntries(byWall.filter((r) => r.wall >= 2).map((r) => [r.file, Math.round(r.wall)]))
    writeFileSync(join(root, 'scripts/test-durations.json'), `${JSON.stringify(durations, null, 2)}\n`)
    process.exit(0)
  }
  console.log('wall-s  CPU-s  start-s  end-s  file')
  for (const r of byWall.slice(0, Number(process.argv[3] ?? 30)))
    console.log(
      `${r.wall.toFixed(1).padStart(6)} ${r.cpu.toFixed(1).padStart(6)} ${((r.start - t0) / 1000).toFixed(1).padStart(8)} ${((r.end - t0) / 1000).toFixed(1).padStart(6)}  ${r.file}`,
    )
} else if (out && process.argv[1]) {
  const start = Date.now() - performance.now() // the process's start, not the preload's
  const file = relative(root, process.argv[1])
    .replace(/^node_modules\/\.cache\/skiff-test-\d+\/tests\/\d+\//, '')
    .replace(/\.mjs$/, '.ts')
  process.on('exit', () => {
    appendFileSync(out, `${JSON.stringify({ file, start, end: Date.now(), ...cpu() })}\n`)
  })
}
