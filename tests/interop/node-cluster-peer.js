// A Node.js server of a mixed cluster, for tst_interop_cluster: the official server with the
// official Redis adapter (@socket.io/redis-adapter 8.3, redis 4), and two official clients
// connected to it. Prints one JSON line per thing its clients and its server see.
//
//   node node-cluster-peer.js <redis URL>
//
// Clients: "n1", and "n2" which the server puts in room "blue" with data {name: "n2"}. Both
// answer "ask" with "<name>:<arg>". The server answers the server-side event "hello" with
// "node answer". Lines: ready {n1, n2 (socket ids)}, news {client, args}, serverSideEvent
// {args}, disconnect {client, reason}, serverSideAnswers {error, responses}. A line
// "serverSideEmit" on standard input makes the server emit "from-node" (1, "two") to the other
// servers with an ack. Exits when its standard input closes.
'use strict';

const http = require('node:http');

function print(o) {
    process.stdout.write(`${JSON.stringify(o)}\n`);
}

function display(v) {
    if (Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
        const b = Buffer.isBuffer(v) ? v : Buffer.from(v instanceof ArrayBuffer ? v : v.buffer);
        return { _binary: true, size: b.length, base64: b.toString('base64') };
    }
    if (Array.isArray(v))
        return v.map(display);
    if (v && typeof v === 'object') {
        const o = {};
        for (const k of Object.keys(v))
            o[k] = display(v[k]);
        return o;
    }
    return v;
}

let Server, ioClient, createAdapter, createClient;
try {
    ({ Server } = require('socket.io'));
    ({ io: ioClient } = require('socket.io-client'));
    ({ createAdapter } = require('@socket.io/redis-adapter'));
    ({ createClient } = require('redis'));
} catch (e) {
    process.stderr.write(`node-cluster-peer.js: ${e.message}: run \`npm ci\` in the repository root\n`);
    process.exit(2);
}

async function main() {
    const url = process.argv[2];
    const pub = createClient({ url });
    const sub = pub.duplicate();
    pub.on('error', (e) => print({ type: 'redisError', message: e.message }));
    sub.on('error', (e) => print({ type: 'redisError', message: e.message }));
    await Promise.all([pub.connect(), sub.connect()]);
    const httpServer = http.createServer();
    const io = new Server(httpServer, { adapter: createAdapter(pub, sub, { requestsTimeout: 3000 }) });
    io.on('connection', (socket) => {
        if (socket.handshake.auth.name === 'n2') {
            socket.join('blue');
            socket.data = { name: 'n2' };
        }
    });
    io.on('hello', (...args) => {
        const cb = typeof args[args.length - 1] === 'function' ? args.pop() : null;
        print({ type: 'serverSideEvent', args: display(args) });
        if (cb)
            cb('node answer');
    });
    await new Promise((r) => httpServer.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${httpServer.address().port}`;
    const clients = {};
    for (const name of ['n1', 'n2']) {
        const c = ioClient(base, { transports: ['websocket'], reconnection: false, auth: { name } });
        c.on('news', (...args) => print({ type: 'news', client: name, args: display(args) }));
        c.on('ask', (x, cb) => cb(`${name}:${x}`));
        c.on('disconnect', (reason) => print({ type: 'disconnect', client: name, reason }));
        await new Promise((resolve, reject) => {
            c.once('connect', resolve);
            c.once('connect_error', reject);
        });
        clients[name] = c;
    }
    print({ type: 'ready', n1: clients.n1.id, n2: clients.n2.id });
    require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
        if (line.trim() === 'serverSideEmit') {
            io.serverSideEmit('from-node', 1, 'two', (err, responses) => {
                print({ type: 'serverSideAnswers', error: err ? err.message : null, responses });
            });
        }
    });
    process.stdin.on('end', async () => {
        io.close();
        await Promise.allSettled([pub.quit(), sub.quit()]);
        process.exit(0);
    });
    process.stdin.resume();
}

main().catch((e) => {
    process.stderr.write(`node-cluster-peer.js: ${e.stack || e}\n`);
    process.exit(1);
});
