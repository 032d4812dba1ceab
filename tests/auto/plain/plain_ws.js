// Node's `ws` client against the plain WebSocket endpoint of the headless server.
// Usage: node plain_ws.js <sockscope binary> <source dir>
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');

const [bin, root] = process.argv.slice(2);
let WebSocket;
try {
  WebSocket = require(path.join(root, 'node_modules', 'ws'));
} catch (e) {
  console.error(`FAIL: the ws package is missing: run \`npm ci\` in ${root}`);
  process.exit(1);
}

const rulesFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sockscope-')), 'rules.json');
fs.writeFileSync(rulesFile, JSON.stringify({
  plain: [
    { on: 'text', match: '^bye$', close: 4001 },
    { on: 'text', match: '^ping$', reply: 'pong' },
    { on: '*', echo: true },
  ],
}));

const server = spawn(bin, ['--headless', '--port', '0', '--rules', rulesFile, '--subprotocol', 'chat'],
  { stdio: ['ignore', 'pipe', 'inherit'] });
const lines = [];
const waiters = [];
readline.createInterface({ input: server.stdout }).on('line', (text) => {
  const line = JSON.parse(text);
  lines.push(line);
  for (const w of waiters.slice()) {
    if (w.pred(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line); }
  }
});
function serverLine(pred, what) {
  const seen = lines.find(pred);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const w = { pred, resolve };
    waiters.push(w);
    setTimeout(() => reject(new Error(`no server line: ${what}`)), 10000);
  });
}
function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}
function next(ws, event) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event}`)), 10000);
    ws.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}

async function main() {
  const listening = await serverLine((l) => l.type === 'listening', 'listening');
  const url = `ws://127.0.0.1:${listening.port}/ws`;

  const ws = new WebSocket(url, ['chat', 'other']);
  await next(ws, 'open');
  check(ws.protocol === 'chat', 'the offered sub-protocol "chat" is accepted');
  const connect = await serverLine((l) => l.type === 'plain_connect', 'plain_connect');
  check(connect.transport === 'websocket (plain)' && connect.subprotocol === 'chat', 'server line plain_connect');

  ws.send('ping');
  let [data, isBinary] = await next(ws, 'message');
  check(!isBinary && data.toString() === 'pong', 'text rule: ping -> pong');

  ws.send('héllo wörld');
  [data, isBinary] = await next(ws, 'message');
  check(!isBinary && data.toString() === 'héllo wörld', 'text echo round trip (UTF-8)');

  ws.send(Buffer.from([0, 1, 2, 255]));
  [data, isBinary] = await next(ws, 'message');
  check(isBinary && Buffer.compare(data, Buffer.from([0, 1, 2, 255])) === 0, 'binary echo round trip');

  // One message in three frames: reassembled by the server.
  ws.send('frag-', { fin: false });
  ws.send('men-', { fin: false });
  ws.send('ted', { fin: true });
  [data] = await next(ws, 'message');
  check(data.toString() === 'frag-men-ted', 'fragmented message reassembled');
  const inLine = await serverLine((l) => l.type === 'plain_message' && l.direction === 'in' && l.text === 'frag-men-ted', 'fragmented in');
  check(inLine.size === 12, 'server logged the whole reassembled message');

  ws.ping(Buffer.from('hi'));
  [data] = await next(ws, 'pong');
  check(data.toString() === 'hi', 'ping answered with pong carrying the payload');

  ws.close(4000, 'client done');
  const [code, reason] = await next(ws, 'close');
  check(code === 4000, 'close code echoed back to the client');
  const closeLine = await serverLine((l) => l.type === 'plain_close', 'plain_close');
  check(closeLine.code === 4000 && closeLine.reason === 'client done', `server saw close 4000 "client done" (${reason})`);

  // The server closes: a rule closes with 4001 on "bye".
  const ws2 = new WebSocket(url);
  await next(ws2, 'open');
  ws2.send('bye');
  const [code2, reason2] = await next(ws2, 'close');
  check(code2 === 4001 && reason2.toString() === 'closed by rule', 'server-initiated close code and reason');

  // A Socket.IO-style request on the plain path is refused with a clear status.
  const ws3 = new WebSocket(`ws://127.0.0.1:${listening.port}/ws/?EIO=4&transport=websocket`);
  const [, res] = await next(ws3, 'unexpected-response');
  check(res.statusCode === 400, 'Socket.IO client on the plain path gets 400');
}

const overall = setTimeout(() => { console.error('FAIL: timed out'); server.kill(); process.exit(1); }, 45000);
main().then(() => {
  clearTimeout(overall);
  server.kill('SIGTERM');
  server.on('exit', (code) => { console.log(`server exited ${code}`); process.exit(code === 0 ? 0 : 1); });
}, (e) => {
  console.error(`FAIL: ${e.message}`);
  server.kill();
  process.exit(1);
});
