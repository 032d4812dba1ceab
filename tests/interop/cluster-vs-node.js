// A mixed cluster: our headless server (--redis) and the official Node.js server with the
// official Redis adapter (@socket.io/redis-adapter 8.3 on the `redis` 4 client), joined by a
// redis-server of the test's own (loopback, a free port, no persistence).
//
//   node cluster-vs-node.js <path to sockscope> [case ...]
'use strict';

const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const http = require('node:http');
const { spawn, execFileSync } = require('node:child_process');
const {
    assert, fatal, requireOfficial, collect, JsonLinesProcess, runCases, assertSameArgs, WAIT,
    connected, ROOT,
} = require('./common.js');

const { Server } = require('socket.io'); // its package.json is not exported: requireOfficial cannot check it
const { io: ioClient } = requireOfficial('socket.io-client');
const { createAdapter } = requireOfficial('@socket.io/redis-adapter');
const { createClient } = requireOfficial('redis');

const binary = process.argv[2] && path.resolve(process.argv[2]);
if (!binary || !fs.existsSync(binary))
    fatal('usage: node cluster-vs-node.js <path to the sockscope binary> [case ...]');
const RULES = path.join(ROOT, 'tests', 'auto', 'cluster', 'cluster-rules.json');

function redisServerPath() {
    for (const dir of (process.env.PATH || '').split(':').concat(['/usr/bin', '/usr/sbin'])) {
        const p = path.join(dir, 'redis-server');
        if (fs.existsSync(p))
            return p;
    }
    fatal('redis-server is not installed (the Debian package redis-server: scripts/deps.sh --tests)');
}

function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.on('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

function pingRedis(port) {
    return new Promise((resolve) => {
        const c = net.connect(port, '127.0.0.1');
        let got = '';
        c.on('connect', () => c.write('*1\r\n$4\r\nPING\r\n'));
        c.on('data', (d) => {
            got += d;
            if (got.includes('\r\n')) {
                c.destroy();
                resolve(got.startsWith('+PONG'));
            }
        });
        c.on('error', () => resolve(false));
        setTimeout(() => { c.destroy(); resolve(false); }, 500);
    });
}

// Our own redis-server; a port taken between the probe and the start is retried.
async function startRedis(ctx) {
    const exe = redisServerPath();
    for (let attempt = 0; attempt < 5; ++attempt) {
        const port = await freePort();
        const child = spawn(exe, ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
                                  '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
        let exited = false;
        child.on('exit', () => { exited = true; });
        for (let i = 0; i < 50 && !exited; ++i) {
            if (await pingRedis(port)) {
                ctx.defer(() => child.kill('SIGKILL'));
                process.on('exit', () => child.kill('SIGKILL'));
                return { port, url: `redis://127.0.0.1:${port}`, child };
            }
            await new Promise((r) => setTimeout(r, 100));
        }
        child.kill('SIGKILL');
    }
    fatal('redis-server did not start');
}

async function startSockscope(ctx, redisUrl) {
    const s = new JsonLinesProcess('sockscope', binary, ['--headless', '--port', '0', '--rules', RULES,
                                                         '--log', 'connections', '--redis', redisUrl]);
    ctx.defer(() => s.stop());
    ctx.processes.push(s);
    await s.listening();
    s.url = `http://127.0.0.1:${s.port}`;
    return s;
}

// The official server with the official Redis adapter.
async function startNode(ctx, redisUrl) {
    const pub = createClient({ url: redisUrl });
    const sub = pub.duplicate();
    pub.on('error', (e) => ctx.note(`node pub: ${e.message}`));
    sub.on('error', (e) => ctx.note(`node sub: ${e.message}`));
    await Promise.all([pub.connect(), sub.connect()]);
    const httpServer = http.createServer();
    const io = new Server(httpServer, { adapter: createAdapter(pub, sub, { requestsTimeout: 3000 }) });
    await new Promise((r) => httpServer.listen(0, '127.0.0.1', r));
    io.url = `http://127.0.0.1:${httpServer.address().port}`;
    ctx.defer(async () => {
        io.close();
        await Promise.allSettled([pub.quit(), sub.quit()]);
    });
    return io;
}

function client(ctx, url, opts = {}) {
    const s = ioClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: WAIT, ...opts });
    ctx.defer(() => { s.disconnect(); s.io.disconnect(); });
    ctx.clients = (ctx.clients || 0) + 1;
    return ctx.watch(s, `client #${ctx.clients} (${url})`);
}

// The cluster: Redis, one sockscope, one Node server; both see two servers.
async function cluster(ctx) {
    const redis = await startRedis(ctx);
    const ours = await startSockscope(ctx, redis.url);
    const node = await startNode(ctx, redis.url);
    await ours.waitLine((l) => l.type === 'adapter' && l.state === 'connected' && l.servers === 2,
                        WAIT, 'an "adapter" line with servers 2');
    assert.equal(await node.of('/').adapter.serverCount(), 2, 'Node counts two servers');
    return { redis, ours, node };
}

async function joinOnSockscope(socket, room) {
    const reply = await socket.timeout(WAIT).emitWithAck('join', room);
    assert.equal(reply, 'joined');
}

// Publishes one request as another server would and resolves with the first `answers`
// responses to it (every server of the cluster answers some requests, Node's included, in
// whatever order they come).
async function rawRequest(redisUrl, request, answers = 1) {
    const pub = createClient({ url: redisUrl });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    try {
        const got = [];
        const answer = new Promise((resolve) => {
            sub.subscribe('socket.io-response#/#', (msg) => {
                const r = JSON.parse(msg);
                if (r.requestId === request.requestId && got.length < answers) {
                    got.push(r);
                    if (got.length === answers)
                        resolve(got);
                }
            });
        });
        await new Promise((r) => setTimeout(r, 100)); // the SUBSCRIBE is in
        await pub.publish('socket.io-request#/#', JSON.stringify(request));
        return await Promise.race([answer, new Promise((_, reject) => setTimeout(
            () => reject(new Error(`${got.length} of ${answers} answers to request type ${request.type}`)), WAIT))]);
    } finally {
        await Promise.allSettled([pub.quit(), sub.quit()]);
    }
}

const cases = {
    // Node's io.emit / io.to(room).emit / io.except(room).emit reach our clients.
    async 'node-to-sockscope'(ctx) {
        const { ours, node } = await cluster(ctx);
        const a = client(ctx, ours.url), b = client(ctx, ours.url);
        const gotA = collect(a, 'news'), gotB = collect(b, 'news');
        await Promise.all([connected(a, 'a'), connected(b, 'b')]);
        await joinOnSockscope(b, 'blue');

        node.emit('news', 'to all', 1, { x: [true, null] });
        node.to('blue').emit('news', 'to blue');
        node.except('blue').emit('news', 'not blue');
        const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
        node.emit('news', 'binary', bytes, { nested: Buffer.from('hi') });

        const fromA = await gotA.waitFor(3, WAIT, 'a');
        const fromB = await gotB.waitFor(3, WAIT, 'b');
        assertSameArgs(fromA, [['to all', 1, { x: [true, null] }], ['not blue'],
                               ['binary', bytes, { nested: Buffer.from('hi') }]], 'a: all, except blue, binary');
        assertSameArgs(fromB, [['to all', 1, { x: [true, null] }], ['to blue'],
                               ['binary', bytes, { nested: Buffer.from('hi') }]], 'b: all, blue, binary');
    },

    // Our broadcasts (rules: to namespace, to a room, to all but the sender) reach Node's clients.
    async 'sockscope-to-node'(ctx) {
        const { ours, node } = await cluster(ctx);
        node.on('connection', (socket) => {
            if (socket.handshake.auth.room)
                socket.join(socket.handshake.auth.room);
        });
        const n1 = client(ctx, node.url), n2 = client(ctx, node.url, { auth: { room: 'blue' } });
        const sender = client(ctx, ours.url);
        const got1 = collect(n1, 'news'), got2 = collect(n2, 'news'), gotSender = collect(sender, 'news');
        await Promise.all([connected(n1, 'n1'), connected(n2, 'n2'), connected(sender, 'sender')]);

        const bytes = Buffer.from([9, 8, 7, 0, 255]);
        sender.emit('to-all', 'from sockscope', 2.5);
        sender.emit('to-room', 'blue', 'room only');
        sender.emit('to-others', 'binary', bytes, { deep: [Buffer.from([1])] });

        assertSameArgs(await got1.waitFor(2, WAIT, 'n1'),
                       [['from sockscope', 2.5], ['binary', bytes, { deep: [Buffer.from([1])] }]],
                       'n1: all and others, not the room');
        assertSameArgs(await got2.waitFor(3, WAIT, 'n2'),
                       [['from sockscope', 2.5], ['blue', 'room only'], ['binary', bytes, { deep: [Buffer.from([1])] }]],
                       'n2: all, the room, others');
        assertSameArgs(await gotSender.waitFor(1, WAIT, 'sender'), [['from sockscope', 2.5]],
                       'the sender gets the namespace broadcast');
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(got1.length, 2, 'n1 got nothing twice');
        assert.equal(gotSender.length, 1, 'the sender is left out of "others"');
    },

    // Node's fetchSockets() returns our sockets with their handshake, rooms and data.
    async 'fetch-sockets'(ctx) {
        const { ours, node } = await cluster(ctx);
        const nodeClient = client(ctx, node.url);
        const a = client(ctx, ours.url, { auth: { token: 'abc' }, query: { q: '1' } });
        await Promise.all([connected(a, 'a'), connected(nodeClient, 'node client')]);
        await joinOnSockscope(a, 'blue');

        const all = await node.fetchSockets();
        const ids = all.map((s) => s.id).sort();
        assert.deepEqual(ids, [a.id, nodeClient.id].sort(), 'both servers\' sockets');
        const remote = all.find((s) => s.id === a.id);
        assert.deepEqual([...remote.rooms].sort(), [a.id, 'blue'].sort(), 'its rooms, its own included');
        assert.deepEqual(remote.data, {}, 'its data');
        const h = remote.handshake;
        assert.deepEqual(h.auth, { token: 'abc' }, 'the auth payload (the cluster channel is trusted)');
        assert.equal(h.query.q, '1');
        assert.equal(h.query.EIO, '4');
        assert.equal(h.query.transport, 'websocket');
        assert.match(h.url, /^\/socket\.io\/\?/);
        assert.equal(typeof h.headers.host, 'string');
        assert.match(h.address, /127\.0\.0\.1/);
        assert.equal(typeof h.issued, 'number');
        assert.equal(typeof h.time, 'string');
        assert.equal(h.secure, false);

        // ALL_ROOMS (the adapter's allRooms()) is answered too.
        const rooms = await node.of('/').adapter.allRooms();
        assert.ok(rooms.has('blue') && rooms.has(a.id), 'allRooms() has our rooms');

        const inBlue = await node.in('blue').fetchSockets();
        assert.deepEqual(inBlue.map((s) => s.id), [a.id], 'fetchSockets in a room');
        const notBlue = await node.except('blue').fetchSockets();
        assert.deepEqual(notBlue.map((s) => s.id), [nodeClient.id], 'fetchSockets except a room');
        // A remote socket's emit goes through the cluster to it.
        const got = collect(a, 'direct');
        remote.emit('direct', 'to you');
        assertSameArgs(await got.waitFor(1, WAIT, 'a'), [['to you']]);
    },

    // SOCKETS (type 0; the 8.3 adapter no longer sends it, older ones do) is answered with our
    // socket ids, those of a room when rooms are given.
    async 'sockets-request'(ctx) {
        const { redis, ours } = await cluster(ctx);
        const a = client(ctx, ours.url), b = client(ctx, ours.url);
        await Promise.all([connected(a, 'a'), connected(b, 'b')]);
        await joinOnSockscope(b, 'blue');
        // Both servers answer (Node's with its own sockets: none), in either order.
        const sockets = (answers) => answers.flatMap((r) => r.sockets).sort();
        const all = await rawRequest(redis.url, { uid: 'tester', requestId: 'req1', type: 0, rooms: [] }, 2);
        assert.deepEqual(sockets(all), [a.id, b.id].sort());
        const blue = await rawRequest(redis.url, { uid: 'tester', requestId: 'req2', type: 0, rooms: ['blue'] }, 2);
        assert.deepEqual(sockets(blue), [b.id]);
    },

    // socketsJoin, socketsLeave and disconnectSockets from Node act on our sockets.
    async 'remote-join-leave-disconnect'(ctx) {
        const { ours, node } = await cluster(ctx);
        const a = client(ctx, ours.url), b = client(ctx, ours.url);
        const gotA = collect(a, 'news'), gotB = collect(b, 'news');
        await Promise.all([connected(a, 'a'), connected(b, 'b')]);
        await joinOnSockscope(a, 'blue');

        node.in('blue').socketsJoin('green');
        await new Promise((r) => setTimeout(r, 300));
        node.to('green').emit('news', 'green 1');
        assertSameArgs(await gotA.waitFor(1, WAIT, 'a'), [['green 1']], 'a joined green');
        node.in('green').socketsLeave('green');
        await new Promise((r) => setTimeout(r, 300));
        node.to('green').emit('news', 'green 2');
        node.emit('news', 'marker');
        assertSameArgs(await gotA.waitFor(2, WAIT, 'a'), [['green 1'], ['marker']], 'a left green');
        assertSameArgs(await gotB.waitFor(1, WAIT, 'b'), [['marker']], 'b was never in green');

        const reason = new Promise((resolve) => a.on('disconnect', resolve));
        node.in('blue').disconnectSockets();
        assert.equal(await reason, 'io server disconnect', 'a was disconnected by Node');
        await new Promise((r) => setTimeout(r, 200));
        assert.ok(b.connected, 'b is still connected');
    },

    // Node's broadcast with acks counts and gets the replies of our clients.
    async 'broadcast-with-ack'(ctx) {
        const { ours, node } = await cluster(ctx);
        const a = client(ctx, ours.url), b = client(ctx, ours.url), n = client(ctx, node.url);
        a.on('ask', (x, cb) => cb(`a:${x}`));
        b.on('ask', (x, cb) => cb(`b:${x}`));
        n.on('ask', (x, cb) => cb(`n:${x}`));
        await Promise.all([connected(a, 'a'), connected(b, 'b'), connected(n, 'n')]);
        const replies = await node.timeout(3000).emitWithAck('ask', 7);
        assert.deepEqual(replies.sort(), ['a:7', 'b:7', 'n:7'], 'one reply per client of both servers');
    },

    // serverCount, and the count going down when a server leaves.
    async 'server-count'(ctx) {
        const { ours, node } = await cluster(ctx);
        await node.close();
        await ours.waitLine((l) => l.type === 'adapter' && l.state === 'connected' && l.servers === 1,
                            WAIT, 'an "adapter" line with servers 1');
    },
};

runCases(cases, process.argv.slice(3), 120000);
