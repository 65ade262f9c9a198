// Echo server on Node.js's net module, for the benchmark suite: listens on
// 127.0.0.1 with an OS-chosen port, prints "addr HOST:PORT", and writes back
// every chunk it reads.
'use strict';
const net = require('net');

const server = net.createServer((sock) => {
  sock.setNoDelay(true);
  sock.on('data', (chunk) => sock.write(chunk));
  sock.on('error', () => sock.destroy());
});
server.on('error', (err) => {
  process.stderr.write('echo.js: ' + err.message + '\n');
  process.exit(1);
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  process.stdout.write('addr 127.0.0.1:' + server.address().port + '\n');
});
