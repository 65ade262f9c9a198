// Node.js net client for the interoperability test: sends SIZE varied bytes
// in pieces of varied length to an echo server and checks every byte.
//
// usage: node node_echo_client.js HOST PORT SIZE
'use strict';
const net = require('net');

const [host, port, size] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const want = Buffer.alloc(size);
for (let i = 0; i < size; i++) want[i] = (i * 7 + (i >> 8)) & 255;

const chunks = [];
let got = 0;
const timer = setTimeout(() => { console.log('timed out'); process.exit(1); }, 60000);
const sock = net.connect(port, host, () => {
  for (let i = 0, step = 1; i < size; i += step, step = (step * 3) % 4099 + 1) {
    sock.write(want.subarray(i, i + step));
  }
});
sock.on('data', (d) => {
  chunks.push(d);
  got += d.length;
  if (got >= size) sock.end();
});
sock.on('error', (e) => { console.log('error: ' + e.message); process.exit(1); });
sock.on('close', () => {
  clearTimeout(timer);
  const all = Buffer.concat(chunks);
  if (all.equals(want)) { console.log('ok'); process.exit(0); }
  let n = 0;
  while (n < all.length && n < size && all[n] === want[n]) n++;
  console.log(`got ${all.length} bytes, want ${size}, first difference at ${n}`);
  process.exit(1);
});
