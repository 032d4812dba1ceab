// Our browser client (resources/web/socket.io.js), loaded in Node.js, against our headless
// server, and against the official socket.io server for what our rules cannot do (the server
// asking the client for an ack).
//
//   node client-node.js <path to sockscope> [case ...]
//
// Cases: polling, websocket, upgrade (events, acks, binary, namespaces, auth, broadcast,
// heartbeat, client disconnect, over that transport), tutorial, server-disconnect,
// ping-timeout, transport-close, transport-error, official-server, msgpack.
'use strict';

const path = require('node:path');
const http = require('node:http');
const {
    RULES, assert, loadClient, next, Waiter, startSockscope, runCases, normalizeBinary,
    requirePinned,
} = require('./harness');

const binary = process.argv[2];
const T = 10000; // the longest wait for one thing to happen

// Every event a socket receives, in order, with a way to wait for one.
function record(socket) {
    const log = new Waiter();
    log.events = [];
    socket.onAny((...args) => {
        log.events.push(args);
        log.poke();
    });
    log.event = (name, pred = () => true) => log.until(
        () => log.events.find((e) => e[0] === name && pred(e.slice(1))), T, `the event "${name}"`);
    return log;
}

function connected(socket, label) {
    if (socket.connected)
        return Promise.resolve();
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${label}: no "connect" within ${T} ms`)), T);
        socket.once('connect', () => { clearTimeout(timer); resolve(); });
        socket.once('connect_error', (e) => { clearTimeout(timer); reject(new Error(`${label}: connect_error ${e.message}`)); });
    });
}

function withAck(socket, ...args) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ack for ${JSON.stringify(args)} within ${T} ms`)), T);
        socket.emit(...args, (...reply) => { clearTimeout(timer); resolve(reply); });
    });
}

// The global fetch, keeping a trace of the long-polling requests for failure reports.
function tracingFetch() {
    const trace = [];
    const t0 = Date.now();
    const show = (x) => JSON.stringify(String(x).slice(0, 120));
    return {
        trace,
        fetch: (url, init) => {
            const sid = /[?&]sid=([^&]*)/.exec(url);
            const what = `${init.method} ${sid ? 'sid' : 'handshake'}${init.body ? ` ${show(init.body)}` : ''}`;
            trace.push(`+${Date.now() - t0} ms ${what}`);
            return fetch(url, init).then((res) => res.clone().text().then((text) => {
                trace.push(`+${Date.now() - t0} ms ${what} → ${res.status} ${show(text)}`);
                return res;
            }), (err) => {
                trace.push(`+${Date.now() - t0} ms ${what} → ${err}`);
                throw err;
            });
        },
    };
}

// The whole client API over one set of transports, against protocol-contract.json.
async function basics(ctx, transports, expected) {
    const server = await startSockscope(binary, path.join(RULES, 'protocol-contract.json'));
    ctx.explain(() => server.describe());
    ctx.defer(() => server.stop());
    const io = loadClient();
    const url = `ws://127.0.0.1:${server.port}`;

    const http = tracingFetch();
    const root = io(`${url}/`, { transports, auth: { token: 'abc', n: 1 }, reconnection: false, fetch: http.fetch });
    ctx.explain(() => `the root connection's last HTTP requests:\n  ${http.trace.slice(-12).join('\n  ')}`);
    ctx.defer(() => root.disconnect());
    const got = record(root);
    const closes = [];
    root.io.on('close', (reason, detail) => closes.push(`${reason} (${detail && (detail.stack || detail.message || detail)})`));
    ctx.explain(() => `root's connection closed: ${closes.join('; ') || 'never'}`);
    ctx.explain(() => {
        const e = root.io.engine;
        return `root: connected ${root.connected}, engine ${e && e.readyState} ${e && e.id} over ${e && e.transport && e.transport.name}, `
            + `upgrading ${e && e.upgrading}, ${e && e.writeBuffer.length} queued; last events: ${JSON.stringify(got.events.slice(-5)).slice(0, 500)}`;
    });
    const outgoing = [];
    root.onAnyOutgoing((...args) => outgoing.push(args));
    root.emit('message', 'early', 0); // before the connection exists: buffered
    assert.equal(root.connected, false);
    await connected(root, 'root');
    assert.match(root.id, /^[A-Za-z0-9_-]{20}$/, 'the socket id is 20 URL-safe characters');
    assert.equal(root.disconnected, false);
    assert.deepEqual(await got.event('auth'), ['auth', { token: 'abc', n: 1 }], 'the auth payload comes back');
    await got.event('message-back', (a) => a[0] === 'early');
    assert.deepEqual(outgoing[0], ['message', 'early', 0], 'onAnyOutgoing saw the buffered emit');
    const rootLine = await server.waitLine((l) => l.type === 'connect' && l.socket === root.id, T, 'the root connect');
    assert.equal(rootLine.namespace, '/');

    // A burst while the upgrade (if any) is under way: nothing lost, nothing reordered.
    for (let i = 0; i < 40; ++i)
        root.emit('message', 'seq', i);
    await got.until(() => got.events.filter((e) => e[0] === 'message-back' && e[1] === 'seq').length === 40, T, 'the burst to come back');
    assert.deepEqual(got.events.filter((e) => e[1] === 'seq').map((e) => e[2]), [...Array(40).keys()]);

    // The transport: an upgrade happens only when both are allowed.
    const engine = root.io.engine;
    if (expected === 'websocket' && engine.transport.name !== 'websocket')
        await next(engine, 'upgrade', T, 'the engine');
    assert.equal(engine.transport.name, expected);
    if (transports.length === 2)
        await server.waitLine((l) => l.type === 'upgrade' && l.connection === rootLine.connection, T, 'the upgrade');

    // JSON arguments, Unicode included, both ways.
    const text = ['hi', 1, 2.5, -3, true, false, null, { a: [1, { b: 'c' }] }, [], {}, '',
                  'ünïcødé € 😀 \u2028 "quoted" \\ \x1e'];
    root.emit('message', ...text);
    assert.deepEqual((await got.event('message-back', (a) => a[0] === 'hi')).slice(1), text);

    // Acks: a callback gets every argument, emitWithAck the first, timeout() adds the error.
    assert.equal(await root.timeout(T).emitWithAck('message-with-ack', 'x', 2), 'x');
    assert.deepEqual(await withAck(root, 'message-with-ack', 'y', { z: 3 }), ['y', { z: 3 }]);
    assert.deepEqual(await withAck(root.timeout(T), 'message-with-ack', 7), [null, 7]);
    const [late] = await withAck(root.timeout(200), 'message', 'nobody acks this');
    assert.ok(late instanceof Error && late.message === 'operation has timed out', `a timed-out ack gets an Error, got ${late}`);
    await assert.rejects(root.timeout(200).emitWithAck('message', 'nor this'), /operation has timed out/);
    await server.waitLine((l) => l.type === 'ack' && l.socket === root.id && l.args[0] === 'y', T, 'the ack line');

    // Binary, any type, any depth, large; it comes back as ArrayBuffer.
    const small = Buffer.from([0, 1, 2, 253, 254, 255]);
    const ab = new Uint8Array([5, 6, 7]).buffer;
    const big = new Uint8Array(200000).map((_, i) => (i * 7) & 255);
    const bin = ['bin', small, { nested: [ab, new Uint16Array([1, 65535])], n: 1 }, big, new DataView(ab)];
    root.emit('message', ...bin);
    const back = await got.event('message-back', (a) => a[0] === 'bin');
    assert.ok(back[2] instanceof ArrayBuffer && back[3].nested[0] instanceof ArrayBuffer, 'binary arrives as ArrayBuffer');
    assert.deepEqual(normalizeBinary(back.slice(1)), normalizeBinary(bin));
    const line = await server.waitLine((l) => l.type === 'event' && l.direction === 'in' && l.event === 'message'
                                             && l.args[0] === 'bin', T, 'the binary event');
    assert.deepEqual(line.args[1], { _binary: true, size: 6, base64: small.toString('base64') });
    // A Blob is read first; the emits after it wait their turn.
    root.emit('message', 'blob', new Blob([Buffer.from('blob!')]), { also: new Blob(['x']) });
    root.emit('message', 'after blob');
    await got.event('message-back', (a) => a[0] === 'after blob');
    const blobBack = got.events.filter((e) => e[0] === 'message-back' && (e[1] === 'blob' || e[1] === 'after blob'));
    assert.deepEqual(blobBack.map((e) => e[1]), ['blob', 'after blob'], 'the order of emits is kept');
    assert.deepEqual(normalizeBinary(blobBack[0].slice(2)), normalizeBinary([Buffer.from('blob!'), { also: Buffer.from('x') }]));
    const binAck = await root.timeout(T).emitWithAck('message-with-ack', Buffer.from('ack me'));
    assert.equal(Buffer.from(binAck).toString(), 'ack me');

    // Broadcast to a second connection in the same namespace.
    const other = io(`${url}/`, { transports, forceNew: true, reconnection: false });
    ctx.defer(() => other.disconnect());
    assert.notEqual(other.io, root.io, 'forceNew opens its own connection');
    const otherGot = record(other);
    await connected(other, 'other');
    root.emit('broadcast', 'all', 1);
    await got.event('broadcast', (a) => a[0] === 'all');
    await otherGot.event('broadcast', (a) => a[0] === 'all');

    // Namespaces share the connection; an unknown one is refused.
    const custom = io(`${url}/custom`, { auth: { who: 'custom' } });
    ctx.defer(() => custom.disconnect());
    assert.equal(custom.io, root.io, 'a second namespace shares the connection');
    const customGot = record(custom);
    await connected(custom, '/custom');
    assert.notEqual(custom.id, root.id);
    assert.deepEqual(await customGot.event('auth'), ['auth', { who: 'custom' }]);
    const customLine = await server.waitLine((l) => l.type === 'connect' && l.socket === custom.id, T, 'the /custom connect');
    assert.equal(customLine.namespace, '/custom');
    assert.equal(customLine.connection, rootLine.connection, '/custom travels over the root socket\'s connection');
    custom.emit('broadcast', 'only custom');
    await customGot.event('broadcast', (a) => a[0] === 'only custom');
    root.emit('message', 'after');
    await got.event('message-back', (a) => a[0] === 'after');
    assert.ok(!got.events.some((e) => e[1] === 'only custom'), 'a /custom broadcast does not reach "/"');

    const nope = io(`${url}/nope`);
    const [refusal] = await next(nope, 'connect_error', T, '/nope');
    assert.ok(refusal instanceof Error);
    assert.equal(refusal.message, 'Invalid namespace');
    assert.equal(nope.connected, false);
    assert.equal(nope.active, false, 'a refused socket does not retry by itself');
    await server.waitLine((l) => l.type === 'connect_error' && l.namespace === '/nope', T, 'the refusal');

    // Heartbeat: the server pings every 300 ms and the client answers, so nothing closes.
    for (let i = 0; i < 3; ++i)
        await next(root.io, 'ping', T, 'the manager');
    assert.equal(root.connected, true);
    assert.equal(await root.timeout(T).emitWithAck('message-with-ack', 'still here'), 'still here');

    // Client disconnects: one namespace, then the last one closes the connection.
    const reasons = [];
    custom.on('disconnect', (r) => reasons.push(['custom', r]));
    root.on('disconnect', (r) => reasons.push(['root', r]));
    custom.disconnect();
    assert.deepEqual(reasons, [['custom', 'io client disconnect']]);
    assert.equal(custom.connected, false);
    assert.equal(custom.id, undefined);
    await server.waitLine((l) => l.type === 'disconnect' && l.namespace === '/custom', T, 'the /custom disconnect');
    assert.equal(await root.timeout(T).emitWithAck('message-with-ack', 'root lives'), 'root lives');
    root.disconnect();
    assert.deepEqual(reasons[1], ['root', 'io client disconnect']);
    const gone = await server.waitLine((l) => l.type === 'disconnect' && l.socket === rootLine.socket, T, 'the root disconnect');
    assert.equal(gone.reason, 'client namespace disconnect');
    await server.waitLine((l) => l.type === 'connection_closed' && l.connection === rootLine.connection, T, 'the connection to close');
    assert.equal(server.lines.filter((l) => l.type === 'error').length, 0,
                 `no server errors: ${JSON.stringify(server.lines.filter((l) => l.type === 'error'))}`);
}

// The tutorial's page code, unchanged, against tutorial.json.
async function tutorial(ctx) {
    const server = await startSockscope(binary, path.join(RULES, 'tutorial.json'));
    ctx.explain(() => server.describe());
    ctx.defer(() => server.stop());
    const io = loadClient();
    const seen = new Waiter();
    const log = [];
    const console = { log: (x) => { log.push(x); seen.poke(); } };

    const sock = io.connect(`ws://127.0.0.1:${server.port}/`);
    sock.on('connect', () => {
        console.log('已链接');
        sock.emit('aaa', 12, 5, 8);
        sock.on('time', (ts) => { console.log(ts); });
    });
    sock.on('disconnect', () => { console.log('已断开'); });

    ctx.defer(() => sock.disconnect());
    await seen.until(() => log.length >= 2, T, 'the page to log "已链接" and the time');
    assert.equal(log[0], '已链接');
    assert.equal(typeof log[1], 'number', `the time is a number (log: ${JSON.stringify(log)})`);
    assert.ok(Math.abs(log[1] - Date.now()) < 60000, 'the time is now');
    const aaa = await server.waitLine((l) => l.type === 'event' && l.event === 'aaa', T, 'the "aaa" event');
    assert.deepEqual(aaa.args, [12, 5, 8]);
    sock.disconnect();
    assert.equal(log[log.length - 1], '已断开');
}

// The server removes the socket: "io server disconnect", and no reconnection by itself.
async function serverDisconnect(ctx) {
    const server = await startSockscope(binary, path.join(__dirname, 'kick-rules.json'));
    ctx.explain(() => server.describe());
    ctx.defer(() => server.stop());
    const io = loadClient();
    const s = io(`http://127.0.0.1:${server.port}`, { reconnectionDelay: 50, reconnectionDelayMax: 100 });
    ctx.defer(() => s.disconnect());
    let attempts = 0;
    s.io.on('reconnect_attempt', () => ++attempts);
    await connected(s, 'socket');
    const firstId = s.id;
    s.emit('kick');
    const [reason] = await next(s, 'disconnect', T, 'the socket');
    assert.equal(reason, 'io server disconnect');
    assert.equal(s.active, false);
    assert.equal(s.io._reconnecting, false, 'no reconnection is scheduled');
    const line = await server.waitLine((l) => l.type === 'disconnect' && l.socket === firstId, T, 'the disconnect');
    assert.equal(line.reason, 'server namespace disconnect');
    s.connect(); // the application may come back by itself
    await connected(s, 'socket again');
    assert.notEqual(s.id, firstId);
    assert.equal(attempts, 0);
}

// The server stops (SIGSTOP): no ping within pingInterval + pingTimeout → "ping timeout", then
// the client reconnects once it is back (SIGCONT).
async function pingTimeout(ctx) {
    const server = await startSockscope(binary, path.join(RULES, 'protocol-contract.json'));
    ctx.explain(() => server.describe());
    ctx.defer(() => server.signal('SIGCONT'));
    ctx.defer(() => server.stop());
    const io = loadClient();
    for (const transports of [['websocket'], ['polling']]) {
        const s = io(`http://127.0.0.1:${server.port}`, {
            transports, forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200, timeout: 2000 });
        ctx.defer(() => s.disconnect());
        await connected(s, transports[0]);
        const firstId = s.id;
        server.signal('SIGSTOP');
        const started = Date.now();
        const [reason] = await next(s, 'disconnect', T, transports[0]);
        server.signal('SIGCONT');
        assert.equal(reason, 'ping timeout', transports[0]);
        assert.ok(Date.now() - started >= 900, `not before the deadline (pingInterval + pingTimeout after the last ping), got ${Date.now() - started} ms`);
        await connected(s, `${transports[0]} after the reconnection`);
        assert.notEqual(s.id, firstId);
        assert.equal(await s.timeout(T).emitWithAck('message-with-ack', 'back'), 'back');
        s.disconnect();
    }
}

// The server dies (SIGKILL): the reason, then bounded reconnection attempts that fail.
async function transportLoss(ctx, transports, expectedReason) {
    const server = await startSockscope(binary, path.join(RULES, 'protocol-contract.json'));
    ctx.explain(() => server.describe());
    ctx.defer(() => server.stop());
    const io = loadClient();
    const s = io(`http://127.0.0.1:${server.port}`, {
        transports, reconnectionAttempts: 2, reconnectionDelay: 50, reconnectionDelayMax: 100, timeout: 2000 });
    ctx.defer(() => s.disconnect());
    const manager = new Waiter();
    const happened = [];
    for (const ev of ['reconnect_attempt', 'reconnect_error', 'reconnect_failed'])
        s.io.on(ev, (arg) => { happened.push(ev === 'reconnect_attempt' ? `${ev} ${arg}` : ev); manager.poke(); });
    const connectErrors = [];
    s.on('connect_error', (e) => connectErrors.push(e.message));
    await connected(s, transports[0]);
    server.signal('SIGKILL');
    const [reason] = await next(s, 'disconnect', T, 'the socket');
    assert.equal(reason, expectedReason);
    await manager.until(() => happened.includes('reconnect_failed'), T, 'reconnect_failed');
    assert.deepEqual(happened, ['reconnect_attempt 1', 'reconnect_error', 'reconnect_attempt 2',
                                'reconnect_error', 'reconnect_failed']);
    assert.equal(connectErrors.length, 2, `connect_error per attempt: ${JSON.stringify(connectErrors)}`);
    assert.equal(s.connected, false);
}

// The official server: it asks our client for acks (JSON and binary), and upgrades.
async function officialServer(ctx) {
    const { Server } = requirePinned('socket.io');
    const httpServer = http.createServer();
    const ioServer = new Server(httpServer, { cors: { origin: '*' }, pingInterval: 300, pingTimeout: 1000 });
    ctx.defer(() => new Promise((r) => ioServer.close(() => r())));
    const serverLog = new Waiter();
    serverLog.items = [];
    const note = (x) => { serverLog.items.push(x); serverLog.poke(); };
    const onConnection = (sock) => {
        note({ connected: sock.nsp.name, auth: sock.handshake.auth });
        sock.emit('hello', Buffer.from([1, 2, 3]));
        sock.on('ask', (...args) => {
            sock.timeout(T).emit('question', ...args, (err, ...reply) => note(err ? { error: err.message } : { answer: reply }));
        });
        sock.on('echo', (...args) => args.pop()(...args));
        sock.on('transport?', (cb) => cb(sock.conn.transport.name));
    };
    ioServer.on('connection', onConnection);
    ioServer.of('/custom').on('connection', onConnection);
    await new Promise((r) => httpServer.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${httpServer.address().port}`;

    const io = loadClient();
    const s = io(url, { auth: { token: 't' }, reconnection: false });
    ctx.defer(() => s.disconnect());
    const got = record(s);
    s.on('question', (...args) => {
        const ack = args.pop();
        assert.equal(typeof ack, 'function', 'a question that wants an ack gets a reply function');
        ack('answer to', ...args);
        ack('twice'); // ignored: an ack is sent once
    });
    await connected(s, 'official');
    assert.deepEqual(serverLog.items[0], { connected: '/', auth: { token: 't' } });
    const hello = await got.event('hello');
    assert.deepEqual(normalizeBinary(hello[1]), normalizeBinary(Buffer.from([1, 2, 3])));
    assert.ok(hello[1] instanceof ArrayBuffer);
    if (s.io.engine.transport.name !== 'websocket')
        await next(s.io.engine, 'upgrade', T, 'the engine');
    assert.equal(await s.timeout(T).emitWithAck('transport?'), 'websocket');

    s.emit('ask', 1, Buffer.from('x'), { deep: [Buffer.from('y')] });
    const { answer } = await serverLog.until(() => serverLog.items.find((i) => i.answer || i.error), T, 'the answer');
    assert.deepEqual(normalizeBinary(answer), normalizeBinary(['answer to', 1, Buffer.from('x'), { deep: [Buffer.from('y')] }]));
    assert.deepEqual(normalizeBinary(await withAck(s, 'echo', 'a', new Uint8Array([9]))),
                     normalizeBinary(['a', new Uint8Array([9])]));

    const custom = io(`${url}/custom`);
    ctx.defer(() => custom.disconnect());
    assert.equal(custom.io, s.io);
    await connected(custom, '/custom');
    assert.equal(await custom.timeout(T).emitWithAck('echo', 'custom'), 'custom');
    assert.equal(ioServer.engine.clientsCount, 1, 'one connection carries both namespaces');
}

// The msgpack option (parser: 'msgpack') against our server under --parser auto, over each
// transport, a JSON client beside it: every Socket.IO packet the client sends is one binary
// message (a WebSocket binary frame, or a "b" record of a POST), and what comes back decodes.
async function msgpack(ctx) {
    const server = await startSockscope(binary, path.join(RULES, 'protocol-contract.json'), ['--parser', 'auto']);
    ctx.explain(() => server.describe());
    ctx.defer(() => server.stop());
    const io = loadClient();
    const Ws = requirePinned('ws');
    const url = `http://127.0.0.1:${server.port}`;
    const json = io(`${url}/`, { forceNew: true, transports: ['websocket'], reconnection: false });
    ctx.defer(() => json.disconnect());
    const jsonGot = record(json);
    await connected(json, 'the JSON client');
    assert.throws(() => io(url, { parser: 'protobuf', forceNew: true }), /parser/);

    for (const transports of [['websocket'], ['polling'], ['polling', 'websocket']]) {
        const frames = []; // what the client wrote: WebSocket messages and POST bodies
        const Recording = class extends Ws {
            send(data, ...rest) {
                frames.push(typeof data === 'string' ? data : Buffer.from(data));
                return super.send(data, ...rest);
            }
        };
        const fetching = (u, init) => {
            if (init && init.method === 'POST')
                frames.push(...String(init.body).split('\x1e'));
            return fetch(u, init);
        };
        const label = transports.join('+');
        const socket = io(url, { parser: 'msgpack', transports, forceNew: true, reconnection: false,
                                 auth: { token: 'mp' }, WebSocket: Recording, fetch: fetching });
        ctx.defer(() => socket.disconnect());
        const got = record(socket);
        await connected(socket, `msgpack over ${label}`);
        assert.deepEqual(await got.event('auth'), ['auth', { token: 'mp' }], `${label}: auth`);
        const values = ['hi', 0, -1, 300, -70000, 2 ** 40, 2.5, true, false, null, { a: [1, { b: 'c' }] }, [], {},
                        'ünïcødé 😀 \x1e', 'x'.repeat(70000)];
        socket.emit('message', ...values);
        assert.deepEqual((await got.event('message-back', (a) => a[0] === 'hi')).slice(1), values, `${label}: JSON values`);
        // Binary in any position, nested; it comes back as ArrayBuffer.
        const bin = Buffer.from([0, 1, 2, 253, 254, 255]);
        const big = new Uint8Array(100000).map((_, i) => (i * 7) & 255);
        socket.emit('message', 'bin', bin, { nested: [new Uint8Array([9, 8]).buffer] }, big);
        const back = await got.event('message-back', (a) => a[0] === 'bin');
        assert.ok(back[2] instanceof ArrayBuffer, `${label}: binary comes back as ArrayBuffer`);
        assert.deepEqual([...new Uint8Array(back[2])], [...bin]);
        assert.deepEqual([...new Uint8Array(back[3].nested[0])], [9, 8]);
        assert.ok(Buffer.from(back[4]).equals(Buffer.from(big)), `${label}: 100 kB of binary intact`);
        // Acks, with binary.
        assert.deepEqual(await withAck(socket, 'message-with-ack', 'y', bin).then((r) => [r[0], [...new Uint8Array(r[1])]]),
                         ['y', [...bin]], `${label}: ack`);
        assert.equal(await socket.timeout(T).emitWithAck('message-with-ack', 7), 7);
        // A broadcast reaches the JSON client and this one, each in its own format.
        socket.emit('broadcast', label, bin);
        const toJson = await jsonGot.event('broadcast', (a) => a[0] === label);
        assert.deepEqual([...new Uint8Array(toJson[2])], [...bin], `${label}: the JSON client got the broadcast`);
        await got.event('broadcast', (a) => a[0] === label);

        // On the wire: every Socket.IO packet was one binary message, no text message packet.
        const text = frames.filter((f) => typeof f === 'string');
        const binaries = frames.filter((f) => Buffer.isBuffer(f) || (typeof f === 'string' && f[0] === 'b'));
        assert.ok(binaries.length >= 6, `${label}: binary messages sent (${binaries.length})`);
        assert.deepEqual(text.filter((f) => f[0] === '4'), [], `${label}: no JSON Socket.IO packet was sent`);
        const first = Buffer.isBuffer(binaries[0]) ? binaries[0] : Buffer.from(binaries[0].slice(1), 'base64');
        assert.deepEqual(io._msgpack.decode(first), { type: 0, data: { token: 'mp' }, nsp: '/' }, `${label}: CONNECT as a msgpack map`);
        socket.disconnect();
    }
}

runCases({
    polling: (ctx) => basics(ctx, ['polling'], 'polling'),
    websocket: (ctx) => basics(ctx, ['websocket'], 'websocket'),
    upgrade: (ctx) => basics(ctx, ['polling', 'websocket'], 'websocket'),
    tutorial,
    'server-disconnect': serverDisconnect,
    'ping-timeout': pingTimeout,
    'transport-close': (ctx) => transportLoss(ctx, ['websocket'], 'transport close'),
    'transport-error': (ctx) => transportLoss(ctx, ['polling'], 'transport error'),
    'official-server': officialServer,
    msgpack,
}, process.argv.slice(3), 110000);
