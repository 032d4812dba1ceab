// The official Socket.IO server (the socket.io package pinned in package.json) with the
// behaviour of resources/rules/protocol-contract.json, for bench/run.sh:
//   $connect: emit "auth" with the CONNECT auth payload; namespaces "/" and "/custom"
//   "/": "message" -> "message-back" to the sender; "message-with-ack" -> ack with the same args
//   "broadcast" -> "broadcast" to the whole namespace, sender included
// Usage: node bench/node_server.js [--parser json|msgpack] PORT [PING_INTERVAL_MS] [PING_TIMEOUT_MS]
//        node bench/node_server.js --check
// Prints {"listening":PORT,"anchor":{…},"parser":…} once ready. Nothing is logged per event.
// --parser msgpack starts the server with parser: require('socket.io-msgpack-parser') (pinned in
// package.json): each packet one msgpack map in one binary frame, binary arguments arriving as
// Buffers, which the "message-with-ack" rule's ack(...args) sends back as msgpack bin.
//
// The anchor is socket.io tuned as ws's documentation says: with the native addons bufferutil
// (masking and unmasking frames) and utf-8-validate (text frame validation) beside ws. ws
// requires them inside a try and falls back to JavaScript without a word, so this server
// checks, after ws has loaded, that the addons' compiled binaries were loaded, and exits with
// status 3 when one is missing: a table measured against the untuned server would be wrong.
// ws 8 validates UTF-8 with Node's own buffer.isUtf8 where Node has it (18.14 and later), and
// only otherwise with utf-8-validate; the check reports which one ws uses. --check prints the
// anchor as one JSON line and exits (0 when tuned, 3 when not) without listening.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { Server } = require('socket.io');

// What ws (the copy engine.io requires) took: resolved from ws's own folder, as ws does.
function anchor() {
  // The folder of package `name` as seen from folder `from` (packages' "exports" hide their
  // package.json, so walk up from the file that resolves).
  const packageDir = (name, from) => {
    let dir = path.dirname(require.resolve(name, { paths: [from] }));
    while (!(fs.existsSync(path.join(dir, 'package.json')) &&
             JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name === name)) {
      if (path.dirname(dir) === dir) throw new Error(`no package.json for ${name}`);
      dir = path.dirname(dir);
    }
    return dir;
  };
  const socketioDir = packageDir('socket.io', __dirname);
  const engineDir = packageDir('engine.io', socketioDir);
  const wsDir = packageDir('ws', engineDir);
  const version = (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  // A compiled addon is in require.cache under its package folder once it has been loaded.
  const nativeLoaded = (dir) =>
    Object.keys(require.cache).find((f) => f.startsWith(dir + path.sep) && f.endsWith('.node')) || null;
  const addon = (name) => {
    let dir;
    try {
      dir = packageDir(name, wsDir);
    } catch (e) {
      return { name, version: null, native: null, error: 'not installed' };
    }
    return { name, version: version(dir), dir, native: nativeLoaded(dir) };
  };
  // engine.io loads ws when it loads; the receiver and sender load buffer-util and validation.
  require(path.join(wsDir, 'lib', 'receiver.js'));
  const bufferutil = addon('bufferutil');
  const utf8 = addon('utf-8-validate');
  const builtinUtf8 = typeof require('buffer').isUtf8 === 'function';
  if (builtinUtf8 && utf8.version && !utf8.native) {
    // ws did not ask for it (Node's isUtf8 comes first): load it as ws would, to prove it works.
    try {
      require(require.resolve('utf-8-validate', { paths: [wsDir] }));
    } catch (e) { /* reported below as not native */ }
    utf8.native = nativeLoaded(utf8.dir);
  }
  const problems = [];
  if (process.env.WS_NO_BUFFER_UTIL) problems.push('WS_NO_BUFFER_UTIL is set: ws skips bufferutil');
  if (!bufferutil.native) problems.push(`bufferutil ${bufferutil.error || 'fell back to JavaScript'} (ws ${version(wsDir)} masks in JavaScript)`);
  if (!utf8.native) problems.push(`utf-8-validate ${utf8.error || 'fell back to JavaScript'}`);
  if (!builtinUtf8 && process.env.WS_NO_UTF_8_VALIDATE) problems.push('WS_NO_UTF_8_VALIDATE is set: ws skips utf-8-validate');
  return {
    text: `socket.io ${version(socketioDir)} with bufferutil ${bufferutil.version} + utf-8-validate ${utf8.version}`,
    socketio: version(socketioDir),
    ws: version(wsDir),
    node: process.version,
    bufferutil: bufferutil.version,
    bufferutil_native: !!bufferutil.native && !process.env.WS_NO_BUFFER_UTIL,
    utf8_validate: utf8.version,
    utf8_validate_native: !!utf8.native,
    ws_utf8_validation: builtinUtf8 ? 'node buffer.isUtf8' : (process.env.WS_NO_UTF_8_VALIDATE ? 'javascript' : 'utf-8-validate'),
    tuned: problems.length === 0,
    problems,
  };
}

const tuning = anchor();
if (!tuning.tuned) {
  process.stderr.write(`node_server.js: the Node anchor is not tuned: ${tuning.problems.join('; ')}. ` +
    'Run npm ci at the repository root (package-lock.json pins bufferutil and utf-8-validate).\n');
}
if (process.argv[2] === '--check') {
  process.stdout.write(JSON.stringify(tuning) + '\n');
  process.exit(tuning.tuned ? 0 : 3);
}
if (!tuning.tuned) process.exit(3);
process.stderr.write(`node_server.js: anchor ${tuning.text} (ws ${tuning.ws}; UTF-8 checked by ${tuning.ws_utf8_validation}; ` +
  `native bufferutil ${tuning.bufferutil_native ? 'loaded' : 'missing'})\n`);

const argv = process.argv.slice(2);
let parserName = 'json';
const parserAt = argv.indexOf('--parser');
if (parserAt >= 0) {
  parserName = argv[parserAt + 1];
  argv.splice(parserAt, 2);
}
if (parserName !== 'json' && parserName !== 'msgpack') {
  process.stderr.write(`node_server.js: --parser is json or msgpack, not ${parserName}\n`);
  process.exit(2);
}
const port = Number(argv[0] || 3000);
const pingInterval = Number(argv[1] || 25000);
const pingTimeout = Number(argv[2] || 20000);

const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval,
  pingTimeout,
  maxHttpBufferSize: 1e6,
  connectTimeout: 45000,
  cors: { origin: '*' },
  ...(parserName === 'msgpack' ? { parser: require('socket.io-msgpack-parser') } : {}),
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
  process.stdout.write(JSON.stringify({ listening: port, anchor: tuning.text, parser: parserName }) + '\n');
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { io.close(); process.exit(0); });
}
