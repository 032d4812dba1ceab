// The official socket.io-client over https:// and wss:// (polling, websocket, upgrade) against
// `sockscope --headless --cert --key`, with a throwaway certificate made by openssl.
// Usage: node official_client_tls.js <sockscope binary> <source dir>
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');

const [bin, root] = process.argv.slice(2);
let io;
try {
  ({ io } = require(path.join(root, 'node_modules', 'socket.io-client')));
} catch (e) {
  console.error(`FAIL: socket.io-client is missing: run \`npm ci\` in ${root}`);
  process.exit(1);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockscope-tls-'));
const cert = path.join(dir, 'cert.pem');
const key = path.join(dir, 'key.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
  '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });

const server = spawn(bin, ['--headless', '--port', '0', '--cert', cert, '--key', key, '--rules',
  path.join(root, 'resources', 'rules', 'protocol-contract.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
const overall = setTimeout(() => { console.error('FAIL: timed out'); server.kill(); process.exit(1); }, 60000);

function once(emitter, event) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event}`)), 10000);
    emitter.once(event, (...a) => { clearTimeout(t); resolve(a); });
  });
}

readline.createInterface({ input: server.stdout }).once('line', async (first) => {
  try {
    const listening = JSON.parse(first);
    if (!listening.url.startsWith('https://')) throw new Error(`listening url is ${listening.url}`);
    const url = `https://127.0.0.1:${listening.port}`;
    const ca = fs.readFileSync(cert);
    for (const transports of [['polling'], ['websocket'], undefined]) {
      const s = io(url, { transports, ca, forceNew: true, auth: { over: 'tls' } });
      const [auth] = await once(s, 'auth');
      if (auth.over !== 'tls') throw new Error('auth not echoed');
      const reply = await new Promise((resolve, reject) => {
        s.timeout(5000).emit('message-with-ack', 'secure', Buffer.from([7, 8]),
          (err, ...args) => (err ? reject(err) : resolve(args)));
      });
      if (reply[0] !== 'secure' || Buffer.compare(reply[1], Buffer.from([7, 8])) !== 0) throw new Error('bad ack');
      if (!transports) {
        if (s.io.engine.transport.name !== 'websocket') await once(s.io.engine, 'upgrade');
      }
      console.log(`ok - ${transports ? transports[0] : 'polling then upgrade'} over TLS (${s.io.engine.transport.name})`);
      s.disconnect();
    }
    // A client that does not trust the certificate gets a connect_error, and nothing breaks.
    const bad = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    const [err] = await once(bad, 'connect_error');
    console.log(`ok - untrusted certificate refused (${err.message})`);
    bad.close();
    clearTimeout(overall);
    server.kill('SIGTERM');
    server.on('exit', (code) => process.exit(code === 0 ? 0 : 1));
  } catch (e) {
    console.error(`FAIL: ${e.message}`);
    server.kill();
    process.exit(1);
  }
});
