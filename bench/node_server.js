// The official Socket.IO server (the socket.io package pinned in package.json) with the
// behaviour of resources/rules/protocol-contract.json, for bench/run.sh:
//   $connect: emit "auth" with the CONNECT auth payload; namespaces "/" and "/custom"
//   "/": "message" -> "message-back" to the sender; "message-with-ack" -> ack with the same args
//   "broadcast" -> "broadcast" to the whole namespace, sender included
// Usage: node bench/node_server.js PORT [PING_INTERVAL_MS] [PING_TIMEOUT_MS]
// Prints {"listening":PORT} once ready. Nothing is logged per event.
'use strict';
const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[2] || 3000);
const pingInterval = Number(process.argv[3] || 25000);
const pingTimeout = Number(process.argv[4] || 20000);

const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval,
  pingTimeout,
  maxHttpBufferSize: 1e6,
  connectTimeout: 45000,
  cors: { origin: '*' },
});

for (const name of ['/', '/custom']) {
  const nsp = io.of(name);
  nsp.on('connection', (socket) => {
    socket.emit('auth', socket.handshake.auth || {});
    if (name === '/') {
      socket.on('message', (...args) => socket.emit('message-back', ...args));
      socket.on('message-with-ack', (...args) => {
        const ack = args.pop();
        if (typeof ack === 'function') ack(...args);
      });
    }
    socket.on('broadcast', (...args) => {
      if (typeof args[args.length - 1] === 'function') args.pop();
      nsp.emit('broadcast', ...args);
    });
  });
}

httpServer.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ listening: port }) + '\n');
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { io.close(); process.exit(0); });
}
