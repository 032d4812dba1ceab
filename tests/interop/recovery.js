// Connection state recovery: the official socket.io-client against our headless server run
// with --recovery, over loopback.
//
//   node recovery.js <path to sockscope> [case ...]
//
// A client joins a room, its transport drops, another client sends to the room while it is
// away; when it connects again it must get its id back, socket.recovered, and the missed
// events in order (recovered), or, once the session has expired, a fresh socket (expired).
'use strict';

const path = require('node:path');
const fs = require('node:fs');
const {
    assert, fatal, requireOfficial, once, collect, JsonLinesProcess, runCases,
} = require('./common.js');

const { io } = requireOfficial('socket.io-client');

const binary = process.argv[2] && path.resolve(process.argv[2]);
if (!binary || !fs.existsSync(binary))
    fatal('usage: node recovery.js <path to the sockscope binary> [case ...] (build the project first)');

const WAIT = 5000;
const RULES = path.join(__dirname, 'recovery-rules.json');

async function startServer(ctx, recoveryMs) {
    const srv = new JsonLinesProcess('sockscope', binary, [
        '--headless', '--port', '0', '--rules', RULES, '--recovery', String(recoveryMs),
        '--ping-interval', '1000', '--ping-timeout', '1000']);
    ctx.defer(() => srv.stop());
    ctx.processes.push(srv);
    await srv.listening();
    return srv;
}

// Reconnection off: the test says when the client comes back (socket.connect()), so that the
// events it misses are sent while it is surely away.
function client(ctx, srv) {
    const s = io(`http://127.0.0.1:${srv.port}/`, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: WAIT });
    ctx.defer(() => { s.disconnect(); s.io.disconnect(); });
    ctx.watch(s, `client ${ctx.clients = (ctx.clients || 0) + 1}`);
    return s;
}

function connected(socket) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not connected within ${WAIT} ms`)), WAIT);
        socket.once('connect', () => { clearTimeout(timer); resolve(); });
        socket.once('connect_error', (e) => { clearTimeout(timer); reject(new Error(`connect_error "${e.message}"`)); });
    });
}

// Connects a client, puts it in the room "news" and waits for "joined" (an event with an
// offset: what the client presents when it comes back). Returns the client and its id.
async function joinedClient(ctx, srv) {
    const socket = client(ctx, srv);
    const joined = once(socket, 'joined', WAIT, 'the away client');
    await connected(socket);
    assert.equal(socket.recovered, false, 'a first connection is not recovered');
    socket.emit('join', 'news');
    const args = await joined;
    assert.equal(args[0], 'news');
    assert.equal(args.length, 2, `"joined" carries the room and its offset, got ${JSON.stringify(args)}`);
    assert.equal(typeof args[1], 'string', 'the offset is a string');
    return { socket, id: socket.id };
}

// Drops the client's transport (not a disconnect of its own) and waits until the server has
// seen the socket go, with a reason it keeps the session for.
async function dropTransport(srv, socket, id) {
    const from = srv.lines.length;
    const gone = once(socket, 'disconnect', WAIT, 'the away client');
    socket.io.engine.close();
    await gone;
    const line = await srv.waitLine((l) => l.type === 'disconnect' && l.socket === id, WAIT,
                                    'the disconnect of the away socket', from);
    assert.ok(['transport close', 'transport error'].includes(line.reason), `reason ${line.reason}`);
}

// The other client sends three events to the room and waits until the server has them.
async function sendWhileAway(ctx, srv) {
    const other = client(ctx, srv);
    await connected(other);
    const from = srv.lines.length;
    for (const n of [1, 2, 3])
        other.emit('news', n);
    for (const n of [1, 2, 3]) {
        await srv.waitLine((l) => l.type === 'event' && l.direction === 'in' && l.event === 'news'
                           && l.args[0] === n, WAIT, `"news" ${n} coming in`, from);
    }
}

const cases = {
    async recovered(ctx) {
        const srv = await startServer(ctx, 120000);
        const { socket, id } = await joinedClient(ctx, srv);
        const connectLine = await srv.waitLine((l) => l.type === 'connect' && l.socket === id, WAIT, 'the connect line');
        assert.equal(connectLine.recovered, undefined, 'a first connect line has no "recovered"');
        await dropTransport(srv, socket, id);
        await sendWhileAway(ctx, srv);

        const news = collect(socket, 'news');
        const from = srv.lines.length;
        socket.connect();
        await connected(socket);
        assert.equal(socket.recovered, true, 'socket.recovered');
        assert.equal(socket.id, id, 'the same socket id');
        const got = await news.waitFor(3, WAIT, 'the recovered client');
        assert.deepEqual(got.map((a) => a[0]), [1, 2, 3], 'the missed events, in order');
        for (const a of got)
            assert.equal(typeof a[1], 'string', 'each with its offset after the arguments');
        const line = await srv.waitLine((l) => l.type === 'connect' && l.socket === id, WAIT, 'the recovered connect line', from);
        assert.equal(line.recovered, true, 'the connect line says "recovered"');
        // The JSON lines show each missed event with its offset apart from its arguments.
        const sent = srv.lines.slice(from).filter((l) => l.type === 'event' && l.direction === 'out' && l.event === 'news');
        assert.deepEqual(sent.map((l) => l.args), [[1], [2], [3]]);
        assert.deepEqual(sent.map((l) => l.offset), got.map((a) => a[1]));

        // Still in the room: the next event to it arrives as any other.
        const other = client(ctx, srv);
        await connected(other);
        other.emit('news', 4);
        await news.waitFor(4, WAIT, 'the recovered client');
        assert.equal(news[3][0], 4);
    },

    async expired(ctx) {
        const srv = await startServer(ctx, 300);
        const { socket, id } = await joinedClient(ctx, srv);
        await dropTransport(srv, socket, id);
        await sendWhileAway(ctx, srv);
        await new Promise((resolve) => setTimeout(resolve, 600)); // the session runs out

        const news = collect(socket, 'news');
        socket.connect();
        await connected(socket);
        assert.equal(socket.recovered, false, 'socket.recovered after the session expired');
        assert.notEqual(socket.id, id, 'a new socket id');
        // Nothing missed is sent: the next event to the room does not reach it either (a fresh
        // socket is in no room).
        const other = client(ctx, srv);
        await connected(other);
        other.emit('news', 4);
        await srv.waitLine((l) => l.type === 'event' && l.direction === 'in' && l.event === 'news' && l.args[0] === 4,
                           WAIT, '"news" 4 coming in');
        const echo = once(socket, 'joined', WAIT, 'the fresh client');
        socket.emit('join', 'elsewhere'); // a round trip: anything sent before it has arrived
        await echo;
        assert.equal(news.length, 0, `no "news" for a fresh socket, got ${JSON.stringify(news)}`);
    },
};

runCases(cases, process.argv.slice(3), 60000);
