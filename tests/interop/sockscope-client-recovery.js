// Connection state recovery, the other way round from recovery.js: our client (sockscope-client
// --reconnect, which is EventClient) against the official socket.io server run in this process
// with connectionStateRecovery on, over loopback.
//
//   node sockscope-client-recovery.js <path to sockscope-client> [case ...]
//
// The server puts each socket in the room "news" and sends it "seen"; then it closes the
// socket's transport (a forced server close, which Node keeps the session for), sends three
// events to "news" while the client is away, and waits for the client's own reconnection:
//   recovered: the connected line has "recovered":true and the first id, the missed events
//              follow in order, each with an "offset" field and no offset among its args;
//   expired:   the session has expired by then: a fresh id, no "recovered", nothing replayed;
//   off:       recovery off on the server: no offset fields, a trailing string stays an arg.
'use strict';

const http = require('node:http');
const path = require('node:path');
const fs = require('node:fs');
const { assert, fatal, JsonLinesProcess, runCases } = require('./common.js');

let Server;
try {
    ({ Server } = require('socket.io'));
} catch (e) {
    fatal(`the npm package "socket.io" is not installed: run \`npm ci\` in ${path.resolve(__dirname, '..', '..')}`);
}

const binary = process.argv[2] && path.resolve(process.argv[2]);
if (!binary || !fs.existsSync(binary))
    fatal('usage: node sockscope-client-recovery.js <path to sockscope-client> [case ...] (build the project first)');

const WAIT = 5000;

// The official server on a free port; recoveryMs 0 leaves recovery off.
async function startServer(ctx, recoveryMs) {
    const httpServer = http.createServer();
    const io = new Server(httpServer, {
        pingInterval: 1000,
        pingTimeout: 1000,
        ...(recoveryMs > 0 ? {
            connectionStateRecovery: { maxDisconnectionDuration: recoveryMs, skipMiddlewares: true },
        } : {}),
    });
    const sockets = [];
    io.on('connection', (socket) => {
        ctx.note(`server: connection ${socket.id} recovered=${socket.recovered}`);
        sockets.push(socket);
        if (!socket.recovered) {
            socket.join('news');
            socket.emit('seen', 0, 'zero');
        }
    });
    await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    ctx.defer(() => new Promise((resolve) => io.close(() => resolve())));
    return { io, sockets, port: httpServer.address().port };
}

function startClient(ctx, port) {
    // --reconnect waits 500 to 1500 ms before its first attempt (1000 ms, jitter 0.5): the
    // events below are sent while it is away.
    const client = new JsonLinesProcess('sockscope-client', binary, [
        `http://127.0.0.1:${port}/`, '--transport', 'websocket', '--reconnect', '--listen', '*',
        '--timeout', '30']);
    ctx.defer(() => client.stop());
    ctx.processes.push(client);
    return client;
}

const isConnected = (l) => l.type === 'connected';
const isEvent = (name) => (l) => l.type === 'event' && l.event === name;

// Connects, waits for "seen", drops the transport from the server, sends the missed events,
// and returns the client's lines from its second connected line on.
async function dropAndComeBack(ctx, recoveryMs, awayMs) {
    const srv = await startServer(ctx, recoveryMs);
    const client = startClient(ctx, srv.port);
    const first = await client.waitLine(isConnected, WAIT, 'its first connected line');
    assert.equal(first.recovered, undefined, 'a first connection is not recovered');
    const seen = await client.waitLine(isEvent('seen'), WAIT, 'the event "seen"');
    assert.deepEqual(seen.args, [0, 'zero'], `"seen" args ${JSON.stringify(seen.args)}`);
    const socket = srv.sockets.find((s) => s.id === first.id);
    assert.ok(socket, `the server has no socket ${first.id}`);

    const from = client.lines.length;
    socket.conn.close(); // the transport only: Node's "forced server close"
    await client.waitLine((l) => l.type === 'disconnected', WAIT, 'its disconnected line', from);
    if (awayMs)
        await new Promise((resolve) => setTimeout(resolve, awayMs)); // let the session expire
    srv.io.to('news').emit('missed', 1);
    srv.io.to('news').emit('missed', 2, 'two');
    srv.io.to('other').emit('notForIt', 9);
    srv.io.to('news').emit('missed', 3);
    const again = await client.waitLine(isConnected, WAIT + awayMs, 'its second connected line', from);
    return { srv, client, first, seen, again, from };
}

const cases = {
    async recovered(ctx) {
        const { srv, client, first, seen, again, from } = await dropAndComeBack(ctx, 5000, 0);
        assert.equal(typeof seen.offset, 'string', `"seen" has an offset field: ${JSON.stringify(seen)}`);
        assert.equal(again.recovered, true, `the connected line says recovered: ${JSON.stringify(again)}`);
        assert.equal(again.id, first.id, 'the same socket id');
        assert.ok(srv.sockets[srv.sockets.length - 1].recovered, 'the server restored the session');
        const missed = [];
        for (let n = 0; n < 3; ++n) {
            const at = missed.length ? client.lines.indexOf(missed[missed.length - 1]) + 1 : from;
            missed.push(await client.waitLine(isEvent('missed'), WAIT, `missed event ${n + 1}`, at));
        }
        assert.deepEqual(missed.map((l) => l.args), [[1], [2, 'two'], [3]], 'the missed events in order, offsets not among the args');
        for (const l of missed)
            assert.equal(typeof l.offset, 'string', `an offset field: ${JSON.stringify(l)}`);
        assert.equal(new Set(missed.map((l) => l.offset)).size, 3, 'three distinct offsets');
        assert.ok(!client.lines.some(isEvent('notForIt')), 'an event for another room came');
        // Live again: a new event still has its offset apart.
        const at = client.lines.length;
        srv.io.to('news').emit('after', 4);
        const after = await client.waitLine(isEvent('after'), WAIT, 'the event "after"', at);
        assert.deepEqual(after.args, [4]);
        assert.equal(typeof after.offset, 'string');
    },

    async expired(ctx) {
        const { client, first, again, from } = await dropAndComeBack(ctx, 100, 300);
        assert.equal(again.recovered, undefined, `a fresh connection: ${JSON.stringify(again)}`);
        assert.notEqual(again.id, first.id, 'a new socket id');
        // The fresh socket gets "seen" again; "missed" was not replayed.
        await client.waitLine(isEvent('seen'), WAIT, 'the event "seen" of the fresh socket', from);
        assert.ok(!client.lines.slice(from).some(isEvent('missed')), 'an expired session was replayed');
    },

    async off(ctx) {
        const { client, first, seen, again } = await dropAndComeBack(ctx, 0, 0);
        assert.equal(seen.offset, undefined, `no offset with recovery off: ${JSON.stringify(seen)}`);
        assert.equal(again.recovered, undefined);
        assert.notEqual(again.id, first.id, 'a new socket id');
        assert.ok(!client.lines.some((l) => l.offset !== undefined), 'an offset field with recovery off');
    },
};

runCases(cases, process.argv.slice(3), 90000);
