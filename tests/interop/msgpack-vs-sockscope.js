// The official socket.io-client (Node) with the official msgpack parser
// (socket.io-msgpack-parser) against our servers, over loopback. The servers run with the
// default parser choice, auto: msgpack and JSON clients are served at once.
//
//   node msgpack-vs-sockscope.js <path to sockscope> <path to tutorial_server> [case ...]
//
// Cases against `sockscope --headless` with resources/rules/protocol-contract.json, and
// "server-ack" against tutorial_server (the server asks, the client answers).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const {
    ROOT, assert, fatal, requireOfficial, once, collect, JsonLinesProcess, startSockscope, runCases,
    assertSameArgs, WAIT, connected, emitWithAckArgs,
} = require('./common.js');

const { io, Manager } = requireOfficial('socket.io-client');
const msgpackParser = requireOfficial('socket.io-msgpack-parser');

const binary = process.argv[2] && path.resolve(process.argv[2]);
const tutorialServer = process.argv[3] && path.resolve(process.argv[3]);
if (!binary || !tutorialServer)
    fatal('usage: node msgpack-vs-sockscope.js <path to sockscope> <path to tutorial_server> [case ...]');


// Values that survive msgpack both ways. Whole numbers beyond 2^64 are left out: the msgpack
// encoder of the Node.js package writes them wrongly whatever the server.
const VALUES = [
    null, true, false, 0, 42, -7, 127, 128, -33, 65536, -2147483649, 3.25, -1e-9,
    9007199254740991, -9007199254740991, 5e-324, '', 'text with "quotes", ✓ 漢字 😀',
    'x'.repeat(300), [], [1, 'two', [3, null, false]], {},
    { a: 1, b: { c: [true, null, 'x'] }, 'key with space': -0.5, '': '' },
];

function client(ctx, url, opts = {}) {
    const s = io(url, {
        transports: ['websocket'], reconnection: false, forceNew: true, timeout: WAIT,
        parser: msgpackParser, ...opts,
    });
    ctx.defer(() => { s.disconnect(); s.io.disconnect(); });
    ctx.clients = (ctx.clients || 0) + 1;
    return ctx.watch(s, `client #${ctx.clients} (${url}${'parser' in opts ? ', json' : ', msgpack'})`);
}

// The kinds of the Engine.IO messages a client sends and gets ("text" or "binary"), to check
// which format went over the wire.
function watchFrames(socket) {
    const kinds = { in: new Set(), out: new Set() };
    const kind = (data) => (typeof data === 'string' ? 'text' : 'binary');
    const attach = (engine) => {
        engine.on('packet', (p) => { if (p.type === 'message') kinds.in.add(kind(p.data)); });
        engine.on('packetCreate', (p) => { if (p.type === 'message') kinds.out.add(kind(p.data)); });
    };
    if (socket.io.engine)
        attach(socket.io.engine);
    socket.io.on('open', () => attach(socket.io.engine));
    return kinds;
}

async function server(ctx) {
    const s = await startSockscope(binary);
    ctx.defer(() => s.stop());
    ctx.processes.push(s);
    return s;
}

const small = Buffer.from([0, 1, 2, 127, 128, 253, 254, 255]);
const nested = {
    file: { name: 'a.bin', data: Buffer.from('hello \u0000 world') },
    list: [Buffer.from([9]), 'x', { deep: Buffer.from([1, 2, 3]), n: 1 }],
};

const cases = {
    // Events of every kind of value and binary in any position, over WebSocket: the contract's
    // "message" → "message-back"; the server decodes the msgpack (its JSON lines show it).
    async events(ctx) {
        const srv = await server(ctx);
        const s = client(ctx, srv.url);
        const frames = watchFrames(s);
        const back = collect(s, 'message-back');
        await connected(s, 'client');
        const sent = [
            VALUES,
            [small],
            ['before', small, 'after', Buffer.from([42])],
            [nested],
            [crypto.randomBytes(100 * 1024)], // bin 32
            [Buffer.alloc(0)],
            [],
        ];
        for (const args of sent)
            s.emit('message', ...args);
        const got = await back.waitFor(sent.length, WAIT, 'client');
        assert.deepEqual(got[0], VALUES, 'every value comes back as it went');
        sent.forEach((args, i) => assertSameArgs(got[i], args, `event #${i} comes back byte for byte`));
        assert.ok(Buffer.isBuffer(got[1][0]), 'binary arrives as a Buffer');
        assert.deepEqual([...frames.out], ['binary'], 'the client sent msgpack (binary messages only)');
        assert.deepEqual([...frames.in], ['binary'], 'the server answered in msgpack (binary messages only)');
        const line = await srv.waitLine((l) => l.type === 'event' && l.direction === 'in'
                                                && l.args.length === 1 && l.args[0] && l.args[0].file,
                                        WAIT, 'the nested binary event');
        assert.deepEqual(line.args[0].file.data, {
            _binary: true, size: nested.file.data.length, base64: nested.file.data.toString('base64'),
        }, 'the server decoded the nested binary');
    },

    // The same over HTTP long-polling: each packet a "b" + base64 record.
    async polling(ctx) {
        const srv = await server(ctx);
        const s = client(ctx, srv.url, { transports: ['polling'] });
        const frames = watchFrames(s);
        const back = collect(s, 'message-back');
        await connected(s, 'polling client');
        s.emit('message', 'over polling', nested, small);
        assertSameArgs((await back.waitFor(1, WAIT, 'polling client'))[0], ['over polling', nested, small]);
        assertSameArgs(await emitWithAckArgs(s, 'message-with-ack', [small, { n: 2 }]), [small, { n: 2 }],
                       'an ack over polling');
        assert.equal(s.io.engine.transport.name, 'polling');
        assert.deepEqual([...frames.in], ['binary'], 'msgpack over polling: binary records');
    },

    // The client asks, the server answers (contract rule "message-with-ack"), binary included.
    async acks(ctx) {
        const srv = await server(ctx);
        const s = client(ctx, srv.url);
        await connected(s, 'client');
        assert.deepEqual(await emitWithAckArgs(s, 'message-with-ack', VALUES), VALUES, 'an ack of every value');
        assert.deepEqual(await emitWithAckArgs(s, 'message-with-ack', []), [], 'an empty ack');
        assertSameArgs(await emitWithAckArgs(s, 'message-with-ack', [nested, small]), [nested, small],
                       'binary in an ack, nested too');
        const many = Array.from({ length: 25 }, (_, i) => emitWithAckArgs(s, 'message-with-ack', [i, `n${i}`]));
        (await Promise.all(many)).forEach((reply, i) => assert.deepEqual(reply, [i, `n${i}`], `ack #${i}`));
        assert.equal(await s.timeout(WAIT).emitWithAck('message-with-ack', 'first', 'second'), 'first');
    },

    // The server asks, the client answers (tutorial_server's "ask" → "question" with an ack).
    async 'server-ack'(ctx) {
        const srv = new JsonLinesProcess('tutorial_server', tutorialServer, []);
        ctx.defer(() => srv.stop());
        ctx.processes.push(srv);
        await srv.listening();
        const s = client(ctx, `http://127.0.0.1:${srv.port}`);
        const questions = [];
        s.on('question', (...args) => {
            const callback = args.pop();
            assert.equal(typeof callback, 'function', 'the server asked for an ack');
            questions.push(args);
            if (args[0] !== 'ignore')
                callback('answer', ...args, Buffer.from([7, 8, 9]));
        });
        const time = once(s, 'time', WAIT, 'client');
        await connected(s, 'client');
        assert.ok(Number.isInteger((await time)[0]), '"time" carries an integer');
        const payload = ['please', { n: 2, list: [null, true, 'x'], bin: Buffer.from([1]) }, 1.5];
        s.emit('ask', ...payload);
        const answer = await srv.waitLine((l) => l.type === 'answer', WAIT, 'the ack reply');
        assert.equal(answer.timedOut, false);
        const b64 = (b) => ({ _binary: true, size: b.length, base64: b.toString('base64') });
        assert.deepEqual(answer.args, [
            'answer', 'please', { n: 2, list: [null, true, 'x'], bin: b64(Buffer.from([1])) }, 1.5,
            b64(Buffer.from([7, 8, 9])),
        ], 'the server got the reply, binary included');
        assertSameArgs(questions[0], payload, 'the question carried the arguments, binary included');
        const from = srv.lines.length;
        s.emit('ask', 'ignore');
        const timeout = await srv.waitLine((l) => l.type === 'answer', WAIT, 'the ack timeout', from);
        assert.equal(timeout.timedOut, true, 'an unanswered question times out');
        assert.ok(s.connected);
    },

    // "/custom" is served with its own auth, "/nope" refused with "Invalid namespace", on one
    // Engine.IO connection.
    async namespaces(ctx) {
        const srv = await server(ctx);
        const manager = new Manager(srv.url, {
            transports: ['websocket'], reconnection: false, timeout: WAIT, parser: msgpackParser,
        });
        const root = manager.socket('/');
        const custom = manager.socket('/custom', { auth: { where: 'custom', key: Buffer.from([5]) } });
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
        const [auth] = await customAuth;
        assert.equal(auth.where, 'custom', '/custom runs the $connect rule with its own auth');
        assert.notEqual(root.id, custom.id);
        const back = once(root, 'message-back', WAIT, '/');
        root.emit('message', 'still there');
        assert.deepEqual(await back, ['still there']);
        const customBroadcast = once(custom, 'broadcast', WAIT, '/custom');
        custom.emit('broadcast', 'in /custom', Buffer.from([1, 2, 3]));
        assertSameArgs(await customBroadcast, ['in /custom', Buffer.from([1, 2, 3])]);
        const refused = await srv.waitLine((l) => l.type === 'connect_error', WAIT, 'a connect_error line');
        assert.equal(refused.namespace, '/nope');
        assert.equal(srv.lines.filter((l) => l.type === 'handshake').length, 1, 'one handshake only');
    },

    // One server, msgpack and JSON clients at once: a broadcast from either reaches both, each
    // in its own format.
    async 'mixed-broadcast'(ctx) {
        const srv = await server(ctx);
        const m1 = client(ctx, srv.url);
        const m2 = client(ctx, srv.url);
        const j1 = client(ctx, srv.url, { parser: undefined });
        const j2 = client(ctx, srv.url, { parser: undefined, transports: ['polling'] });
        const all = { m1, m2, j1, j2 };
        const got = {}, frames = {};
        for (const [k, s] of Object.entries(all)) {
            got[k] = collect(s, 'broadcast');
            frames[k] = watchFrames(s);
        }
        await Promise.all(Object.entries(all).map(([k, s]) => connected(s, k)));
        const payload = ['hello', { n: 1, bin: Buffer.from([1, 2]) }, small, 2.5, -3];
        m1.emit('broadcast', ...payload);
        for (const k of Object.keys(all))
            assertSameArgs((await got[k].waitFor(1, WAIT, k))[0], payload, `${k} gets the msgpack client's broadcast`);
        j1.emit('broadcast', 'from json', { list: [Buffer.from([3])] });
        for (const k of Object.keys(all)) {
            const two = await got[k].waitFor(2, WAIT, k);
            assertSameArgs(two[1], ['from json', { list: [Buffer.from([3])] }], `${k} gets the JSON client's broadcast`);
        }
        // A plain-JSON broadcast (no binary) too.
        m2.emit('broadcast', 'text only', { a: [1, 2] });
        for (const k of Object.keys(all)) {
            const three = await got[k].waitFor(3, WAIT, k);
            assert.deepEqual(three[2], ['text only', { a: [1, 2] }], `${k} gets a text-only broadcast`);
        }
        for (const s of Object.values(all))
            assert.ok(s.connected);
        // Each got its own format: msgpack only binary messages; JSON text (and attachments).
        for (const k of ['m1', 'm2'])
            assert.deepEqual([...frames[k].in], ['binary'], `${k} got msgpack only`);
        for (const k of ['j1', 'j2'])
            assert.ok(frames[k].in.has('text'), `${k} got JSON text`);
    },

    // --parser json and --parser msgpack serve their format only: a client of the other one
    // is dropped at its first packet ("parse error" on the server).
    async forced(ctx) {
        const start = async (parser) => {
            const srv = new JsonLinesProcess(`sockscope --parser ${parser}`, binary, [
                '--headless', '--port', '0', '--parser', parser,
                '--rules', path.join(ROOT, 'resources', 'rules', 'protocol-contract.json')]);
            ctx.defer(() => srv.stop());
            ctx.processes.push(srv);
            await srv.listening();
            return { srv, url: `http://127.0.0.1:${srv.port}` };
        };
        const refused = async (srv, s, label) => {
            const closed = once(s.io, 'close', WAIT, label);
            await closed;
            assert.equal(s.connected, false, `${label} never connects`);
            const error = await srv.waitLine((l) => l.type === 'error', WAIT, `${label}: the server's error line`);
            assert.ok(error.message.length > 0, 'the server says why');
            const line = await srv.waitLine((l) => l.type === 'connection_closed' && l.connection === error.connection,
                                            WAIT, `${label}: the server drops it`);
            assert.equal(line.reason, 'parse error');
        };
        for (const parser of ['msgpack', 'json']) {
            const { srv, url } = await start(parser);
            const ok = client(ctx, url, parser === 'json' ? { parser: undefined } : {});
            const back = once(ok, 'message-back', WAIT, `${parser} client`);
            await connected(ok, `${parser} client on --parser ${parser}`);
            ok.emit('message', 'served', Buffer.from([1]));
            assertSameArgs(await back, ['served', Buffer.from([1])]);
            const other = client(ctx, url, parser === 'json' ? {} : { parser: undefined });
            await refused(srv, other, `the other client on --parser ${parser}`);
            assert.ok(ok.connected, 'the client of the right format stays');
        }
    },
};

runCases(cases, process.argv.slice(4), 90000);
