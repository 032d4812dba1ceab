// The official Node.js socket.io server with the protocol contract's behaviour, for CLI tests.
// Prints {"port": N} once listening; exits when stdin closes. With --parser msgpack it uses the
// official msgpack parser (socket.io-msgpack-parser) instead of the JSON one.
const path = require('path');
const root = process.env.SOCKSCOPE_SOURCE_DIR || path.join(__dirname, '..', '..', '..');
let Server;
try {
  ({ Server } = require(path.join(root, 'node_modules', 'socket.io')));
} catch (e) {
  console.error('socket.io is not installed: run `npm ci` in ' + root);
  process.exit(2);
}
const options = { pingInterval: 300, pingTimeout: 200, cors: { origin: '*' } };
const parserAt = process.argv.indexOf('--parser');
if (parserAt > 0 && process.argv[parserAt + 1] === 'msgpack') {
  try {
    options.parser = require(path.join(root, 'node_modules', 'socket.io-msgpack-parser'));
  } catch (e) {
    console.error('socket.io-msgpack-parser is not installed: run `npm ci` in ' + root);
    process.exit(2);
  }
}
const io = new Server(0, options);
function contract(nsp, withMessages) {
  nsp.on('connection', (socket) => {
    socket.emit('auth', socket.handshake.auth);
    if (withMessages) {
      socket.on('message', (...args) => socket.emit('message-back', ...args));
      socket.on('message-with-ack', (...args) => { const ack = args.pop(); ack(...args); });
      socket.on('never-acked', () => {});
    }
    socket.on('broadcast', (...args) => nsp.emit('broadcast', ...args));
  });
}
contract(io.of('/'), true);
contract(io.of('/custom'), false);
io.httpServer.on('listening', () => {
  console.log(JSON.stringify({ port: io.httpServer.address().port }));
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
