// SPDX-License-Identifier: Apache-2.0
// reader.mjs — the Hypercore reader of bench/blob_net.sh (args: DIR KEY
// PORT MIB): replicate the core KEY from 127.0.0.1:PORT into DIR and
// download all MIB MiB (default 64); prints "MB/s peak_RSS_MB cpu_s": the
// rate over the download (10^6 bytes per second), this process's VmHWM and
// the CPU time it spent on the download.
import Hypercore from 'hypercore'
import net from 'net'
import fs from 'fs'
const [dir, key, port, mib] = process.argv.slice(2)
const blocks = (Number(mib || 64) * 1024 * 1024) / (64 * 1024)
const core = new Hypercore(dir, Buffer.from(key, 'hex'))
await core.ready()
const socket = net.connect(Number(port), '127.0.0.1')
const s = core.replicate(true)
socket.pipe(s).pipe(socket)
const t0 = process.hrtime.bigint()
const c0 = process.cpuUsage()
while (core.length < blocks) await core.update({ wait: true })
await core.download({ start: 0, end: core.length }).done()
const t1 = process.hrtime.bigint()
const c1 = process.cpuUsage(c0)
let bytes = 0
for (let i = 0; i < core.length; i++) bytes += (await core.get(i, { wait: false })).length
const secs = Number(t1 - t0) / 1e9
const hwm = fs.readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/)[1]
console.log((bytes / secs / 1e6).toFixed(1) + ' ' + (Number(hwm) / 1024).toFixed(1) + ' ' +
  ((c1.user + c1.system) / 1e6).toFixed(2))
socket.destroy()
await core.close()
process.exit(0)
