// The official socket.io-client (Node) against our headless server, over loopback.
//
//   node client-vs-sockscope.js <path to sockscope> [case ...]
//
// Each case starts its own `sockscope --headless` with resources/rules/protocol-contract.json
// and the contract's timings, talks to it with the official client (or a raw `ws` socket) and
// checks both what the client sees and the JSON lines the server prints.
'use strict';

const path = require('node:path');
const crypto = require('node:crypto');
const {
    assert, fatal, requireOfficial, once, collect, startSockscope, runCases, assertSameArgs, WAIT,
    connected, emitWithAckArgs,
} = require('./common.js');

const { io, Manager } = requireOfficial('socket.io-client');
let WebSocket;
try {
    WebSocket = require('ws'); // installed by `npm ci` as a dependency of socket.io
} catch (e) {
    fatal(`the npm package "ws" is not installed: run \`npm ci\` in ${path.resolve(__dirname, '..', '..')}`);
}

const binary = process.argv[2] && path.resolve(process.argv[2]);
if (!binary)
    fatal('usage: node client-vs-sockscope.js <path to the sockscope binary> [case ...]');


// Every JSON type, including edge values that must survive a round trip exactly.
const JSON_VALUES = [
    null, true, false, 0, 42, -7, 3.25, -1e-9, 9007199254740991, -9007199254740991,
    1.7976931348623157e308, 5e-324, '', 'text with "quotes", \\ backslash, \n newline, ✓ 漢字 😀',
    [], [1, 'two', [3, null, false]], {}, { a: 1, b: { c: [true, null, 'x'] }, 'key with space': -0.5, '': '' },
];

function client(ctx, url, opts = {}) {
    const s = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: WAIT, ...opts });
    ctx.defer(() => { s.disconnect(); s.io.disconnect(); });
    ctx.clients = (ctx.clients || 0) + 1;
    return ctx.watch(s, `client #${ctx.clients} (${url})`);
}

async function server(ctx, rules, heartbeat) {
    const s = await startSockscope(binary, rules, heartbeat);
    ctx.defer(() => s.stop());
    ctx.processes.push(s);
    return s;
}

const cases = {
    // Events with arguments of every JSON type: the contract's "message" → "message-back".
    async events(ctx) {
        const srv = await server(ctx);
        const s = client(ctx, srv.url);
        const back = collect(s, 'message-back');
        await connected(s, 'client');
        s.emit('message', ...JSON_VALUES);
        for (const v of JSON_VALUES)
            s.emit('message', v);
        s.emit('message');
        const got = await back.waitFor(JSON_VALUES.length + 2, WAIT, 'client');
        assert.deepEqual(got[0], JSON_VALUES, 'all types in one event come back unchanged');
        JSON_VALUES.forEach((v, i) => assert.deepEqual(got[i + 1], [v], `single argument ${JSON.stringify(v)}`));
        assert.deepEqual(got[JSON_VALUES.length + 1], [], 'an event without arguments');
        // The server saw the same arguments.
        // A burst keeps its order.
        const from = back.length;
        for (let i = 0; i < 300; ++i)
            s.emit('message', i);
        const burst = (await back.waitFor(from + 300, WAIT, 'client')).slice(from);
        burst.forEach((args, i) => assert.deepEqual(args, [i], `burst event #${i} in order`));
        const line = await srv.waitLine((l) => l.type === 'event' && l.direction === 'in' && l.event === 'message',
                                        WAIT, 'the incoming "message" event');
        assert.equal(line.socket, s.id, 'the JSON line names the socket id the client got');
        assert.deepEqual(line.args, JSON_VALUES, 'the JSON line shows the arguments as sent');
        assert.match(s.id, /^[A-Za-z0-9_-]{20}$/, 'socket ids are 20 characters of URL-safe base64');
    },

    // The client asks, the server answers (contract rule "message-with-ack"), many at once.
    async acks(ctx) {
        const srv = await server(ctx);
        const s = client(ctx, srv.url);
        await connected(s, 'client');
        assert.deepEqual(await emitWithAckArgs(s, 'message-with-ack', JSON_VALUES), JSON_VALUES,
                         'the ack carries every argument back');
        assert.deepEqual(await emitWithAckArgs(s, 'message-with-ack', []), [], 'an empty ack');
        // Concurrent acks are matched by id, not by order.
        const many = Array.from({ length: 25 }, (_, i) => emitWithAckArgs(s, 'message-with-ack', [i, `n${i}`]));
        const replies = await Promise.all(many);
        replies.forEach((r, i) => assert.deepEqual(r, [i, `n${i}`], `ack #${i} answers its own event`));
        // The promise form of the official client resolves with the first argument.
        assert.equal(await s.timeout(WAIT).emitWithAck('message-with-ack', 'first', 'second'), 'first');
        const line = await srv.waitLine((l) => l.type === 'ack' && l.direction === 'out' && l.socket === s.id,
                                        WAIT, 'an outgoing ack line');
        assert.equal(typeof line.ackId, 'number');
    },

    // Binary arguments (Buffer, typed arrays), top level and nested, in events and acks.
    async binary(ctx) {
        const srv = await server(ctx);
        const s = client(ctx, srv.url);
        const back = collect(s, 'message-back');
        await connected(s, 'client');
        const small = Buffer.from([0, 1, 2, 127, 128, 253, 254, 255]);
        const big = crypto.randomBytes(100 * 1024); // over 65535: a 64-bit WebSocket frame length
        const nested = {
            file: { name: 'a.bin', data: Buffer.from('hello \u0000 world') },
            list: [Buffer.from([9]), 'x', { deep: Buffer.from([1, 2, 3]), n: 1 }],
        };
        const sent = [
            [small],
            ['before', small, 'after', Buffer.from([42])],
            [nested],
            [big],
            [Buffer.alloc(0)],
            [new Uint8Array([5, 6, 7])],
        ];
        for (const args of sent)
            s.emit('message', ...args);
        const got = await back.waitFor(sent.length, WAIT, 'client');
        sent.forEach((args, i) => assertSameArgs(got[i], args, `binary event #${i} comes back byte for byte`));
        assert.ok(Buffer.isBuffer(got[0][0]), 'binary arrives as a Buffer in Node');
        assertSameArgs(await emitWithAckArgs(s, 'message-with-ack', [nested, small]), [nested, small],
                       'binary in an ack (BINARY_ACK)');
        const line = await srv.waitLine((l) => l.type === 'event' && l.direction === 'in'
                                                && l.args.length === 1 && l.args[0] && l.args[0].file,
                                        WAIT, 'the nested binary event');
        assert.deepEqual(line.args[0].file.data, {
            _binary: true, size: nested.file.data.length, base64: nested.file.data.toString('base64'),
        }, 'the server decoded the nested attachment');
    },

    // "/custom" is served, "/nope" is refused with "Invalid namespace"; the same Engine.IO
    // connection keeps serving "/" afterwards.
    async namespaces(ctx) {
        const srv = await server(ctx);
        const manager = new Manager(srv.url, { transports: ['websocket'], reconnection: false, timeout: WAIT });
        const root = manager.socket('/');
        const custom = manager.socket('/custom', { auth: { where: 'custom' } });
        const customAuth = once(custom, 'auth', WAIT, '/custom');
        const nope = manager.socket('/nope');
        ctx.defer(() => { root.disconnect(); custom.disconnect(); nope.disconnect(); manager.disconnect(); });
        ctx.watch(root, '/');
        ctx.watch(custom, '/custom');
        const [err] = await once(nope, 'connect_error', WAIT, '/nope');
        assert.equal(err.message, 'Invalid namespace');
        assert.equal(nope.connected, false);
        await connected(root, '/');
        await connected(custom, '/custom');
        assert.deepEqual(await customAuth, [{ where: 'custom' }], '/custom runs the $connect rule with its own auth');
        assert.notEqual(root.id, custom.id, 'one socket id per namespace');
        // After the refusal, "/" still answers on the same connection.
        const back = once(root, 'message-back', WAIT, '/');
        root.emit('message', 'still there');
        assert.deepEqual(await back, ['still there']);
        assert.ok(root.connected && custom.connected);
        // Packets of a namespace other than "/" (BINARY_EVENT with a namespace prefix).
        const customBroadcast = once(custom, 'broadcast', WAIT, '/custom');
        custom.emit('broadcast', 'in /custom', Buffer.from([1, 2, 3]));
        assertSameArgs(await customBroadcast, ['in /custom', Buffer.from([1, 2, 3])]);
        const refused = await srv.waitLine((l) => l.type === 'connect_error', WAIT, 'a connect_error line');
        assert.equal(refused.namespace, '/nope');
        assert.equal(refused.message, 'Invalid namespace');
        const c1 = await srv.waitLine((l) => l.type === 'connect' && l.namespace === '/', WAIT, 'connect of /');
        const c2 = await srv.waitLine((l) => l.type === 'connect' && l.namespace === '/custom', WAIT, 'connect of /custom');
        assert.equal(c1.connection, c2.connection, 'both namespaces share one Engine.IO connection');
        assert.equal(c1.connection, refused.connection);
        assert.equal(srv.lines.filter((l) => l.type === 'handshake').length, 1, 'one handshake only');
    },

    // The CONNECT auth payload comes back as the "auth" event ({} when none); the JSON lines
    // do not reveal its values.
    async auth(ctx) {
        const srv = await server(ctx);
        const auth = { token: 'secret-token', user: { id: 7, name: 'Ann' }, list: [1, 2] };
        const s = client(ctx, srv.url, { auth });
        const echoed = once(s, 'auth', WAIT, 'client with auth');
        const plain = client(ctx, srv.url);
        const plainEchoed = once(plain, 'auth', WAIT, 'client without auth');
        assert.deepEqual(await echoed, [auth]);
        assert.deepEqual(await plainEchoed, [{}]);
        const line = await srv.waitLine((l) => l.type === 'connect' && l.socket === s.id, WAIT, 'the connect line');
        assert.deepEqual(Object.keys(line.auth).sort(), ['list', 'token', 'user']);
        assert.ok(!JSON.stringify(line).includes('secret-token'), 'auth values are redacted in the JSON lines');
    },

    // A broadcast reaches every socket of the namespace, the sender included, and no other.
    async broadcast(ctx) {
        const srv = await server(ctx);
        const a = client(ctx, srv.url), b = client(ctx, srv.url), c = client(ctx, srv.url);
        const d = client(ctx, `${srv.url}/custom`);
        const got = { a: collect(a, 'broadcast'), b: collect(b, 'broadcast'), c: collect(c, 'broadcast'), d: collect(d, 'broadcast') };
        await Promise.all([connected(a, 'a'), connected(b, 'b'), connected(c, 'c'), connected(d, 'd on /custom')]);
        const payload = ['hello', { n: 1, bin: Buffer.from([1, 2]) }];
        a.emit('broadcast', ...payload);
        for (const k of ['a', 'b', 'c'])
            assertSameArgs((await got[k].waitFor(1, WAIT, k))[0], payload, `${k} gets the broadcast`);
        // d (in /custom) broadcasts after the "/" one went out: the first thing it gets is its own.
        d.emit('broadcast', 'custom only');
        assert.deepEqual((await got.d.waitFor(1, WAIT, 'd'))[0], ['custom only'], '/custom does not see "/" broadcasts');
        b.emit('broadcast', 'second');
        for (const k of ['a', 'b', 'c']) {
            const two = await got[k].waitFor(2, WAIT, k);
            assert.deepEqual(two[1], ['second'], `${k} gets the second broadcast, not the /custom one`);
        }
        assert.equal(got.d.length, 1, 'd got nothing from "/"');
    },

    // The client leaves: "io client disconnect" on the client, "client namespace disconnect" on
    // the server; closing the whole Engine.IO connection ("forced close" on the client) gives
    // "transport close" on the server.
    async 'disconnect-client'(ctx) {
        const srv = await server(ctx);
        const s = client(ctx, srv.url);
        await connected(s, 'client');
        const id = s.id;
        const gone = once(s, 'disconnect', WAIT, 'client');
        s.disconnect();
        assert.equal((await gone)[0], 'io client disconnect');
        let line = await srv.waitLine((l) => l.type === 'disconnect' && l.socket === id, WAIT, 'the disconnect line');
        assert.equal(line.reason, 'client namespace disconnect');

        const t = client(ctx, srv.url);
        await connected(t, 'second client');
        const tid = t.id;
        const tGone = once(t, 'disconnect', WAIT, 'second client');
        t.io.engine.close();
        assert.equal((await tGone)[0], 'forced close');
        line = await srv.waitLine((l) => l.type === 'disconnect' && l.socket === tid, WAIT, 'the second disconnect line');
        assert.equal(line.reason, 'transport close');
    },

    // The server disconnects the socket (rule action "disconnect"): "io server disconnect".
    async 'disconnect-server'(ctx) {
        const srv = await server(ctx, path.join(__dirname, 'server-disconnect-rules.json'));
        const s = client(ctx, srv.url);
        const events = [];
        s.onAny((event, ...args) => events.push([event, ...args]));
        await connected(s, 'client');
        const id = s.id;
        const gone = once(s, 'disconnect', WAIT, 'client');
        s.emit('kick');
        assert.equal((await gone)[0], 'io server disconnect');
        assert.deepEqual(events, [['bye', id]], 'what the server sent before disconnecting arrived first');
        assert.equal(s.active, false, 'the official client does not reconnect after a server disconnect');
        const line = await srv.waitLine((l) => l.type === 'disconnect' && l.socket === id, WAIT, 'the disconnect line');
        assert.equal(line.reason, 'server namespace disconnect');
    },

    // maxPayload 1000000: a 900 kB attachment passes; a 1.1 MB one closes the connection
    // ("transport error" on the server) and the server keeps serving others.
    // With the Node.js server's default heartbeat: printing a 900 kB attachment as base64 in the
    // JSON lines (once in, once out) keeps sockscope's event loop busy for a few hundred ms on a
    // loaded machine, longer than the contract's 300 + 200 ms allow the client to wait for a ping.
    async 'max-payload'(ctx) {
        const srv = await server(ctx, null, { pingInterval: 25000, pingTimeout: 20000 });
        const s = client(ctx, srv.url);
        await connected(s, 'client');
        const id = s.id;
        const fits = crypto.randomBytes(900 * 1000);
        const back = once(s, 'message-back', WAIT, 'client');
        s.emit('message', fits);
        assertSameArgs(await back, [fits], 'a 900 kB attachment comes back');
        const gone = once(s, 'disconnect', WAIT, 'client');
        s.emit('message', Buffer.alloc(1100 * 1000));
        assert.equal((await gone)[0], 'transport close');
        const line = await srv.waitLine((l) => l.type === 'disconnect' && l.socket === id, WAIT, 'the disconnect line');
        assert.equal(line.reason, 'transport error');
        await srv.waitLine((l) => l.type === 'error' && /maxPayload/.test(l.message), WAIT, 'an error line about maxPayload');
        const t = client(ctx, srv.url);
        await connected(t, 'a later client');
    },

    // With pingInterval 300 ms / pingTimeout 200 ms the connection lives through many pings.
    async heartbeat(ctx) {
        const srv = await server(ctx);
        const s = client(ctx, srv.url);
        const disconnects = collect(s, 'disconnect');
        await connected(s, 'client');
        const id = s.id;
        const pings = collect(s.io, 'ping');
        const started = Date.now();
        await pings.waitFor(8, 8 * 300 + 3000, 'the manager');
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= 7 * 300 - 150, `8 pings came after ${elapsed} ms: the server pings every 300 ms, not faster`);
        assert.equal(disconnects.length, 0, `no disconnect (${JSON.stringify(disconnects)})`);
        assert.ok(s.connected);
        assert.equal(s.id, id);
        const back = once(s, 'message-back', WAIT, 'client');
        s.emit('message', 'alive');
        assert.deepEqual(await back, ['alive']);
        assert.ok(!srv.lines.some((l) => l.type === 'disconnect' || l.type === 'connection_closed'),
                  'the server closed nothing');
    },

    // A raw WebSocket client does the Engine.IO open and CONNECT by hand, then ignores pings:
    // the server drops it with "ping timeout". A second raw client that answers stays.
    async 'ping-timeout'(ctx) {
        const srv = await server(ctx);
        const url = `ws://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=websocket`;
        const rawClient = (answerPings) => {
            const ws = new WebSocket(url);
            ctx.defer(() => ws.terminate());
            const messages = collect(ws, 'message');
            const closed = once(ws, 'close', 10000, 'raw client');
            closed.catch(() => {});
            const answered = collect(ws, 'pong-sent');
            ws.on('message', (data, isBinary) => {
                if (answerPings && !isBinary && data.toString() === '2') {
                    ws.send('3');
                    ws.emit('pong-sent');
                }
            });
            return { ws, messages, closed, answered, text: (i) => messages[i][0].toString() };
        };
        const silent = rawClient(false);
        const polite = rawClient(true);
        await Promise.all([once(silent.ws, 'open', WAIT, 'silent'), once(polite.ws, 'open', WAIT, 'polite')]);

        await silent.messages.waitFor(1, WAIT, 'silent (open packet)');
        const open = silent.text(0);
        assert.equal(open[0], '0', `the first packet is Engine.IO open: ${open}`);
        const handshake = JSON.parse(open.slice(1));
        assert.match(handshake.sid, /^[A-Za-z0-9_-]{20}$/);
        assert.deepEqual(handshake.upgrades, []);
        assert.equal(handshake.pingInterval, 300);
        assert.equal(handshake.pingTimeout, 200);
        assert.equal(handshake.maxPayload, 1000000);
        for (const c of [silent, polite])
            c.ws.send('40');
        await silent.messages.waitFor(3, WAIT, 'silent (CONNECT answer and auth event)');
        const connect = silent.text(1);
        assert.match(connect, /^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/, 'CONNECT answered with the socket id');
        const socketId = JSON.parse(connect.slice(2)).sid;
        assert.equal(silent.text(2), '42["auth",{}]');

        const droppedAt = Date.now();
        const [code] = await silent.closed;
        const waited = Date.now() - droppedAt;
        assert.ok(silent.messages.some((m) => m[0].toString() === '2'), 'the server pinged before dropping');
        assert.ok(waited < 300 + 200 + 1500, `dropped after ${waited} ms`);
        const line = await srv.waitLine((l) => l.type === 'disconnect' && l.socket === socketId, WAIT, 'the disconnect line');
        assert.equal(line.reason, 'ping timeout');
        const closedLine = await srv.waitLine((l) => l.type === 'connection_closed' && l.connection === handshake.sid,
                                              WAIT, 'the connection_closed line');
        assert.equal(closedLine.reason, 'ping timeout');
        assert.ok(typeof code === 'number');

        // The client that answers pings is still there several pings later.
        await polite.answered.waitFor(polite.answered.length + 3, 3 * 300 + 2000, 'the polite client (3 more pings)');
        assert.equal(polite.ws.readyState, WebSocket.OPEN, 'a client answering pings stays connected');
    },
};

runCases(cases, process.argv.slice(3), 100000);
