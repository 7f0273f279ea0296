// SPDX-License-Identifier: Apache-2.0
// writer.mjs — the Hypercore side of bench/blob_net.sh: append MIB MiB of
// random bytes as 64 KiB blocks, then serve the core over TCP (Noise, as
// core.replicate(false) sets it up) on 127.0.0.1; prints "KEY PORT".
import Hypercore from 'hypercore'
import net from 'net'
import crypto from 'crypto'
const [dir, mib] = [process.argv[2], Number(process.argv[3] || 64)]
const core = new Hypercore(dir)
await core.ready()
const block = 64 * 1024
for (let i = 0; i < (mib * 1024 * 1024) / block; i += 16) {
  const batch = []
  for (let k = 0; k < 16; k++) batch.push(crypto.randomBytes(block))
  await core.append(batch)
}
const server = net.createServer((socket) => {
  const s = core.replicate(false)
  socket.pipe(s).pipe(socket)
  s.on('error', () => {})
  socket.on('error', () => {})
})
server.listen(0, '127.0.0.1', () => {
  console.log(core.key.toString('hex') + ' ' + server.address().port)
})
