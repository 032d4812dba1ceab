// Our client script and demo page in a real browser: Debian's headless Chromium driven by
// playwright-core (pinned in package.json; it never downloads a browser).
//
//   node chromium.js <path to sockscope> [tutorial|demo ...]
//
// tutorial: a page from another origin loads http://127.0.0.1:PORT/socket.io/socket.io.js and
//           runs the tutorial's code unchanged against tutorial.json.
// demo:     the demo page at GET / : connect with an auth payload, emit with an ack, see the
//           reply and its round trip, and the transport move to WebSocket.
// msgpack:  the client's msgpack option against --parser auto: events, acks, binary.
// demo-path: the demo page of a server started with --path /rt/: it loads /rt/socket.io.js and
//           connects with path /rt/, over polling and then WebSocket.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { RULES, assert, fatal, requirePinned, Waiter, startSockscope, runCases } = require('./harness');

const CHROMIUM = process.env.SOCKSCOPE_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                       '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const T = 15000; // the longest wait for one thing to happen in the page

const binary = process.argv[2];
if (!fs.existsSync(CHROMIUM))
    fatal(`${CHROMIUM} does not exist: install the Debian package "chromium" (bash scripts/deps.sh --tests)`);
const { chromium } = requirePinned('playwright-core');

// A fresh browser profile for each case, removed afterwards. Every page message and error is
// kept for the failure report.
async function openBrowser(ctx) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sockscope-chromium-'));
    ctx.defer(() => fs.rmSync(profile, { recursive: true, force: true }));
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60000,
    });
    ctx.defer(() => context.close());
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(T);
    const events = new Waiter();
    events.console = [];
    events.errors = [];
    page.on('console', (m) => { events.console.push(m.text()); events.poke(); });
    page.on('pageerror', (e) => { events.errors.push(String(e && e.stack || e)); events.poke(); });
    page.on('requestfailed', (r) => events.console.push(`(request failed: ${r.method()} ${r.url()} ${r.failure() && r.failure().errorText})`));
    ctx.explain(() => `page console:\n  ${events.console.slice(-30).join('\n  ')}\npage errors:\n  ${events.errors.join('\n  ') || '(none)'}`);
    return { page, events };
}

// A page of another origin: a small HTTP server of our own on another port.
async function serveOtherOrigin(ctx, html) {
    const server = http.createServer((req, res) => {
        if (req.url === '/favicon.ico') {
            res.writeHead(204);
            res.end();
        } else if (req.url === '/' || req.url === '/index.html') {
            res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
            res.end(html);
        } else {
            res.writeHead(404, { 'Content-Type': 'text/plain' });
            res.end('not found\n');
        }
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    ctx.defer(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    return `http://127.0.0.1:${server.address().port}`;
}

async function tutorial(ctx) {
    const server = await startSockscope(binary, path.join(RULES, 'tutorial.json'));
    ctx.defer(() => server.stop());
    ctx.explain(() => server.describe());
    const port = server.port;
    // The tutorial's code as it is, then a 'time' listener registered up front, so the test
    // does not depend on whether the first 'time' beats the listener registered in 'connect'.
    const origin = await serveOtherOrigin(ctx, `<!doctype html>
<html><head><meta charset="utf-8"><title>tutorial</title>
<script src="http://127.0.0.1:${port}/socket.io/socket.io.js"></script>
</head><body>
<script>
const sock = io.connect('ws://127.0.0.1:${port}/');
sock.on('connect', () => { console.log('已链接'); sock.emit('aaa', 12, 5, 8); sock.on('time', (ts) => { console.log(ts); }); });
sock.on('disconnect', () => { console.log('已断开'); });
</script>
<script>
window.times = [];
sock.on('time', (ts) => { window.times.push(ts); });
</script>
</body></html>`);

    const { page, events } = await openBrowser(ctx);
    await page.goto(`${origin}/`);
    await events.until(() => events.console.includes('已链接'), T, 'the page to log "已链接"');
    const times = await (await page.waitForFunction(() => window.times.length > 0 && window.times)).jsonValue();
    const ts = times[0];
    assert.equal(typeof ts, 'number', `'time' carries a number, got ${JSON.stringify(ts)}`);
    assert.ok(Math.abs(ts - Date.now()) < 60000, 'the time is now');

    const aaa = await server.waitLine((l) => l.type === 'event' && l.event === 'aaa', T, 'the "aaa" event');
    assert.deepEqual(aaa.args, [12, 5, 8]);
    assert.equal(aaa.direction, 'in');
    const handshake = server.lines.find((l) => l.type === 'handshake' && l.connection === aaa.connection && l.transport === 'polling');
    assert.ok(handshake, 'the connection started with long-polling');
    const header = (name) => Object.entries(handshake.headers).find(([k]) => k.toLowerCase() === name);
    assert.deepEqual(header('origin'), [header('origin') && header('origin')[0], origin], 'the page came from another origin');

    // Cross-origin long-polling upgrades to WebSocket.
    await page.waitForFunction(() => sock.io.engine.transport.name === 'websocket');
    await server.waitLine((l) => l.type === 'upgrade' && l.connection === aaa.connection, T, 'the upgrade');

    await page.evaluate(() => sock.disconnect());
    await events.until(() => events.console.includes('已断开'), T, 'the page to log "已断开"');
    const bye = await server.waitLine((l) => l.type === 'disconnect' && l.connection === aaa.connection, T, 'the disconnect');
    assert.equal(bye.reason, 'client namespace disconnect');
    assert.deepEqual(events.errors, [], 'no errors in the page');
}

async function demo(ctx) {
    const server = await startSockscope(binary, path.join(RULES, 'protocol-contract.json'));
    ctx.defer(() => server.stop());
    ctx.explain(() => server.describe());
    const { page, events } = await openBrowser(ctx);
    const logText = () => page.$$eval('#log li', (lis) => lis.map((li) => `${li.dataset.dir} ${li.textContent}`).join('\n'));

    await page.goto(`${server.url}/`);
    assert.equal(await page.title(), 'Sockscope demo');
    assert.equal(await page.inputValue('#url'), server.url, 'the URL defaults to the page\'s origin');
    await page.fill('#namespace', '/');
    await page.fill('#auth', '{"token": "demo"');
    assert.equal(await page.isDisabled('#connect'), true, 'invalid auth JSON disables Connect');
    await page.fill('#auth', '{"token": "demo"}');
    assert.equal(await page.isDisabled('#connect'), false);
    await page.selectOption('#transports', 'polling,websocket');
    await page.click('#connect');
    await page.waitForFunction(() => document.querySelector('#status').textContent === 'connected');
    const socketId = await page.textContent('#socket-id');
    assert.match(socketId, /^[A-Za-z0-9_-]{20}$/);
    const joined = await server.waitLine((l) => l.type === 'connect' && l.socket === socketId, T, 'the connect');
    assert.deepEqual(joined.auth, { token: '[redacted]' }, 'the auth payload reached the server');
    // The server's "auth" event, echoing the payload, is in the log.
    await page.waitForFunction(() => [...document.querySelectorAll('#log li[data-dir="in"]')]
        .some((li) => li.querySelector('.name').textContent === 'auth'
                      && li.querySelector('.args').textContent === '[{"token":"demo"}]'));

    // The arguments are validated as they are typed.
    await page.fill('#event', 'message-with-ack');
    await page.fill('#args', '["hi",');
    assert.equal(await page.isDisabled('#emit'), true, 'invalid JSON disables Emit');
    assert.notEqual((await page.textContent('#args-hint')).trim(), '', 'and says why');
    await page.fill('#args', '{"not": "an array"}');
    assert.equal(await page.isDisabled('#emit'), true, 'a non-array disables Emit');
    await page.fill('#args', '["hi",1]');
    assert.equal(await page.isDisabled('#emit'), false);
    assert.equal((await page.textContent('#args-hint')).trim(), '');
    await page.check('#ack');
    await page.click('#emit');

    const ack = await page.waitForSelector('#log li[data-kind="ack"]');
    const ackText = await ack.textContent();
    assert.ok(ackText.includes('["hi",1]'), `the ack shows the reply: ${ackText}`);
    assert.ok(/round trip [0-9.]+ ms/.test(ackText), `the ack shows its round trip: ${ackText}`);
    const sent = await server.waitLine((l) => l.type === 'event' && l.socket === socketId && l.event === 'message-with-ack', T, 'the event');
    assert.deepEqual(sent.args, ['hi', 1]);
    assert.equal(typeof sent.ackId, 'number');
    await server.waitLine((l) => l.type === 'ack' && l.socket === socketId && l.direction === 'out', T, 'the ack');

    // The transport badge follows the upgrade.
    await page.waitForFunction(() => document.querySelector('#transport').textContent === 'websocket');
    await server.waitLine((l) => l.type === 'upgrade' && l.connection === joined.connection, T, 'the upgrade');
    assert.ok((await logText()).includes('upgrade'), 'the upgrade is logged');

    // Binary from the browser (Blob, typed array, ArrayBuffer) and back as ArrayBuffer, over a
    // second connection of the page's own.
    const roundTrip = await page.evaluate(async () => {
        const s = io('/', { forceNew: true, transports: ['websocket'] });
        const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
        try {
            const reply = await new Promise((resolve, reject) => {
                s.timeout(10000).emit('message-with-ack', new Blob(['blob']), new Uint8Array([1, 2, 255]),
                                      { ab: new Uint8Array([7]).buffer }, (err, ...args) => (err ? reject(err) : resolve(args)));
            });
            return reply.map((x) => (x instanceof ArrayBuffer ? hex(x) : { ab: x.ab instanceof ArrayBuffer && hex(x.ab) }));
        } finally {
            s.disconnect();
        }
    });
    assert.deepEqual(roundTrip, [Buffer.from('blob').toString('hex'), '0102ff', { ab: '07' }]);

    // A plain emit, then an event the server answers, both logged.
    await page.uncheck('#ack');
    await page.fill('#event', 'message');
    await page.fill('#args', '["echo", {"n": 2}]');
    await page.click('#emit');
    await page.waitForFunction(() => [...document.querySelectorAll('#log li[data-dir="in"]')]
        .some((li) => li.querySelector('.name').textContent === 'message-back'
                      && li.querySelector('.args').textContent === '["echo",{"n":2}]'));

    await page.click('#disconnect');
    await page.waitForFunction(() => document.querySelector('#status').textContent === 'disconnected');
    const bye = await server.waitLine((l) => l.type === 'disconnect' && l.socket === socketId, T, 'the disconnect');
    assert.equal(bye.reason, 'client namespace disconnect');
    assert.deepEqual(events.errors, [], 'no errors in the page');
}

// The demo page follows the server's --path: its script and every Engine.IO request use it.
async function demoPath(ctx) {
    const server = await startSockscope(binary, path.join(RULES, 'protocol-contract.json'), ['--path', '/rt/']);
    ctx.defer(() => server.stop());
    ctx.explain(() => server.describe());
    const { page, events } = await openBrowser(ctx);
    const requests = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    ctx.explain(() => `requests:\n  ${requests.join('\n  ')}`);

    await page.goto(`${server.url}/`);
    assert.equal(await page.title(), 'Sockscope demo');
    assert.equal(await page.evaluate(() => typeof io), 'function', 'the client script loaded');
    assert.ok(requests.includes('/rt/socket.io.js'), 'from /rt/socket.io.js');
    await page.selectOption('#transports', 'polling,websocket');
    await page.click('#connect');
    await page.waitForFunction(() => document.querySelector('#status').textContent === 'connected');
    const socketId = await page.textContent('#socket-id');
    const joined = await server.waitLine((l) => l.type === 'connect' && l.socket === socketId, T, 'the connect');
    const handshake = server.lines.find((l) => l.type === 'handshake' && l.connection === joined.connection && l.transport === 'polling');
    assert.ok(handshake, 'the connection started with long-polling');
    assert.match(handshake.target, /^\/rt\/\?EIO=4&/, 'at the server\'s path');

    await page.check('#ack');
    await page.fill('#event', 'message-with-ack');
    await page.fill('#args', '["over", "/rt/"]');
    await page.click('#emit');
    const ack = await page.waitForSelector('#log li[data-kind="ack"]');
    assert.ok((await ack.textContent()).includes('["over","/rt/"]'), 'the ack came back');
    await page.waitForFunction(() => document.querySelector('#transport').textContent === 'websocket');
    await server.waitLine((l) => l.type === 'upgrade' && l.connection === joined.connection, T, 'the upgrade');

    const engine = requests.filter((p) => p.startsWith('/rt/') && p !== '/rt/socket.io.js');
    assert.ok(engine.length > 0, 'Engine.IO requests went to /rt/');
    assert.deepEqual(requests.filter((p) => p.startsWith('/socket.io/')), [], 'nothing asked for the default path');
    await page.click('#disconnect');
    await server.waitLine((l) => l.type === 'disconnect' && l.socket === socketId, T, 'the disconnect');
    assert.deepEqual(events.errors, [], 'no errors in the page');
}

// The demo page's plain WebSocket tab: the browser's own WebSocket to /ws, echoed by the rules.
async function plain(ctx) {
    const server = await startSockscope(binary, path.join(RULES, 'echo-plain.json'));
    ctx.defer(() => server.stop());
    ctx.explain(() => server.describe());
    const { page, events } = await openBrowser(ctx);
    await page.goto(`${server.url}/`);
    await page.click('#tab-plain');
    assert.equal(await page.isVisible('#plain-open'), true, 'the plain tab shows');
    assert.equal(await page.isVisible('#connect'), false, 'and hides the Socket.IO form');
    await page.click('#plain-open');
    await page.waitForFunction(() => document.querySelector('#plain-status').textContent === 'open');
    const opened = await server.waitLine((l) => l.type === 'plain_connect', T, 'the plain connect');
    assert.equal(opened.transport, 'websocket (plain)');
    const inLog = (text) => page.waitForFunction((t) => [...document.querySelectorAll('#plain-log li[data-dir="in"]')]
        .some((li) => li.textContent === t), text);
    await page.fill('#plain-message', 'ping');
    await page.click('#plain-send');
    await inLog('pong');
    await page.fill('#plain-message', 'héllo <b>plain</b>');
    await page.click('#plain-send');
    await inLog('héllo <b>plain</b>');
    const echoed = await server.waitLine((l) => l.type === 'plain_message' && l.direction === 'out' && l.text === 'héllo <b>plain</b>', T, 'the echo');
    assert.equal(echoed.connection, opened.connection);
    assert.equal(await page.$('#plain-log b'), null, 'received text is never inserted as HTML');
    await page.click('#plain-close');
    await page.waitForFunction(() => document.querySelector('#plain-status').textContent === 'closed');
    const closed = await server.waitLine((l) => l.type === 'plain_close' && l.connection === opened.connection, T, 'the close');
    assert.equal(closed.code, 1000);
    assert.equal(closed.reason, 'closed from the demo page');
    assert.deepEqual(events.errors, [], 'no errors in the page');
}

// The msgpack option in the browser: io(url, {parser: 'msgpack'}) against our server under
// --parser auto, over WebSocket, polling and polling then WebSocket: events, acks and binary
// (Blob, typed array, ArrayBuffer, nested) both ways; the frames and POST bodies the page sent
// carry every Socket.IO packet as msgpack (a binary frame, or a "b" record), never as JSON text.
async function msgpack(ctx) {
    const server = await startSockscope(binary, path.join(RULES, 'protocol-contract.json'), ['--parser', 'auto']);
    ctx.defer(() => server.stop());
    ctx.explain(() => server.describe());
    const { page, events } = await openBrowser(ctx);
    const sent = []; // { kind: 'text' | 'binary', data } for every frame and POST record
    page.on('websocket', (ws) => ws.on('framesent', (f) => {
        sent.push(typeof f.payload === 'string' ? { kind: 'text', data: f.payload } : { kind: 'binary', data: Buffer.from(f.payload) });
    }));
    page.on('request', (r) => {
        if (r.method() === 'POST' && r.url().includes('/socket.io/')) {
            for (const record of (r.postData() || '').split('\x1e'))
                sent.push(record[0] === 'b' ? { kind: 'binary', data: Buffer.from(record.slice(1), 'base64') } : { kind: 'text', data: record });
        }
    });
    ctx.explain(() => `frames the page sent: ${sent.slice(-20).map((f) => (f.kind === 'text' ? JSON.stringify(f.data.slice(0, 60)) : `<${f.data.length} bytes ${f.data.slice(0, 12).toString('hex')}>`)).join(', ')}`);
    await page.goto(`${server.url}/`);

    for (const transports of [['websocket'], ['polling'], ['polling', 'websocket']]) {
        const from = sent.length;
        const result = await page.evaluate(async (transports) => {
            const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
            const s = io('/', { parser: 'msgpack', transports, forceNew: true, reconnection: false, auth: { token: 'mp' } });
            const seen = [];
            s.onAny((...a) => seen.push(a));
            const waitFor = (pred) => new Promise((resolve, reject) => {
                const t0 = Date.now();
                const tick = () => {
                    const hit = seen.find(pred);
                    if (hit)
                        resolve(hit);
                    else if (Date.now() - t0 > 10000)
                        reject(new Error(`not received; seen ${JSON.stringify(seen).slice(0, 300)}`));
                    else
                        setTimeout(tick, 20);
                };
                tick();
            });
            try {
                const auth = await waitFor((e) => e[0] === 'auth');
                s.emit('message', 'values', 1, -300, 2.5, null, true, { a: ['ü😀', {}] }, []);
                const values = await waitFor((e) => e[0] === 'message-back' && e[1] === 'values');
                s.emit('message', 'bin', new Blob(['blob']), new Uint8Array([1, 2, 255]), { nested: [new Uint8Array([7]).buffer] });
                const bin = await waitFor((e) => e[0] === 'message-back' && e[1] === 'bin');
                const ack = await s.timeout(10000).emitWithAck('message-with-ack', new Uint8Array([4, 5]), 'after');
                const reply = await new Promise((resolve, reject) => {
                    s.timeout(10000).emit('message-with-ack', 'x', { deep: new Uint8Array(70000).fill(6) },
                                          (err, ...args) => (err ? reject(err) : resolve(args)));
                });
                return {
                    id: s.id,
                    transport: s.io.engine.transport.name,
                    auth: auth.slice(1),
                    values: values.slice(1),
                    bin: [bin[1], hex(bin[2]), hex(bin[3]), bin[4].nested[0] instanceof ArrayBuffer && hex(bin[4].nested[0])],
                    ack: ack instanceof ArrayBuffer ? hex(ack) : String(ack),
                    reply: [reply[0], reply[1].deep instanceof ArrayBuffer, reply[1].deep.byteLength,
                            new Uint8Array(reply[1].deep).every((b) => b === 6)],
                };
            } finally {
                s.disconnect();
            }
        }, transports);
        const label = transports.join('+');
        assert.match(result.id, /^[A-Za-z0-9_-]{20}$/, `${label}: connected`);
        assert.deepEqual(result.auth, [{ token: 'mp' }], `${label}: auth`);
        assert.deepEqual(result.values, ['values', 1, -300, 2.5, null, true, { a: ['ü😀', {}] }, []], `${label}: values`);
        assert.deepEqual(result.bin, ['bin', Buffer.from('blob').toString('hex'), '0102ff', '07'], `${label}: binary`);
        assert.equal(result.ack, '0405', `${label}: an ack with binary`);
        assert.deepEqual(result.reply, ['x', true, 70000, true], `${label}: an ack with 70 kB of nested binary`);
        const line = await server.waitLine((l) => l.type === 'event' && l.socket === result.id && l.event === 'message-with-ack', T, 'the event line');
        assert.deepEqual(line.args[1], 'after', `${label}: the server logged the arguments`);

        const mine = sent.slice(from);
        assert.deepEqual(mine.filter((f) => f.kind === 'text' && f.data[0] === '4').map((f) => f.data), [],
                         `${label}: no Socket.IO packet went as JSON text`);
        const binaries = mine.filter((f) => f.kind === 'binary');
        assert.ok(binaries.length >= 5, `${label}: the packets went as binary messages (${binaries.length})`);
        assert.ok(binaries.every((f) => (f.data[0] & 0xf0) === 0x80), `${label}: each one a msgpack map`);
        if (transports.length === 1)
            assert.equal(result.transport, transports[0]);
    }
    assert.deepEqual(events.errors, [], 'no errors in the page');
}

runCases({ tutorial, demo, 'demo-path': demoPath, plain, msgpack }, process.argv.slice(3), 115000);
