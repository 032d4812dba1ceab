// The Socket.IO tutorial end to end: our Qt server (tutorial_server.cpp) and the official
// socket.io-client (Node).
//
//   node tutorial.js <path to tutorial_server> [case ...]
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const {
    assert, fatal, requireOfficial, once, JsonLinesProcess, runCases,
} = require('./common.js');

const io = requireOfficial('socket.io-client');

const binary = process.argv[2] && path.resolve(process.argv[2]);
if (!binary)
    fatal('usage: node tutorial.js <path to the tutorial_server binary> [case ...]');
if (!fs.existsSync(binary))
    fatal(`the tutorial server "${binary}" does not exist (build the project first)`);

const WAIT = 5000;

async function start(ctx) {
    const srv = new JsonLinesProcess('tutorial_server', binary, []);
    ctx.defer(() => srv.stop());
    ctx.processes.push(srv);
    const line = await srv.listening();
    assert.equal(line.type, 'listening');
    // As in the tutorial, but WebSocket only (HTTP long-polling is not served yet).
    const socket = io.connect(`ws://127.0.0.1:${srv.port}/`, { transports: ['websocket'], reconnection: false, timeout: WAIT });
    ctx.defer(() => { socket.disconnect(); socket.io.disconnect(); });
    ctx.watch(socket, 'client');
    return { srv, socket };
}

function connected(socket) {
    return new Promise((resolve, reject) => {
        if (socket.connected) {
            resolve();
            return;
        }
        const timer = setTimeout(() => reject(new Error(`not connected within ${WAIT} ms`)), WAIT);
        socket.once('connect', () => { clearTimeout(timer); resolve(); });
        socket.once('connect_error', (e) => { clearTimeout(timer); reject(new Error(`connect_error "${e.message}"`)); });
    });
}

const cases = {
    // "time" arrives with the server's clock; "aaa" 12, 5, 8 is printed by the Qt handler.
    async tutorial(ctx) {
        const { srv, socket } = await start(ctx);
        const time = once(socket, 'time', WAIT, 'client');
        await connected(socket);
        const [t, ...rest] = await time;
        assert.equal(rest.length, 0, '"time" has one argument');
        assert.equal(typeof t, 'number', `"time" carries a number, got ${JSON.stringify(t)}`);
        assert.ok(Number.isInteger(t), 'milliseconds since the epoch are an integer');
        assert.ok(Math.abs(Date.now() - t) < 5000, `time ${t} is close to Date.now() ${Date.now()}`);
        const connectLine = await srv.waitLine((l) => l.type === 'connect', WAIT, 'the connect line');
        assert.equal(connectLine.socket, socket.id);

        socket.emit('aaa', 12, 5, 8);
        const line = await srv.waitLine((l) => l.type === 'aaa', WAIT, 'the "aaa" handler output');
        assert.deepEqual(line.args, [12, 5, 8]);
        assert.equal(line.socket, socket.id);
    },

    // The server asks, the client answers: Socket::send with an ack callback, JSON and binary
    // in the reply; a client that never answers makes the server's callback time out.
    async 'server-ack'(ctx) {
        const { srv, socket } = await start(ctx);
        const questions = [];
        socket.on('question', (...args) => {
            const callback = args.pop();
            assert.equal(typeof callback, 'function', 'the server asked for an ack');
            questions.push(args);
            if (args[0] !== 'ignore')
                callback('answer', ...args, Buffer.from([7, 8, 9]));
        });
        await connected(socket);

        const payload = ['please', { n: 2, list: [null, true, 'x'] }, 1.5];
        socket.emit('ask', ...payload);
        const answer = await srv.waitLine((l) => l.type === 'answer', WAIT, 'the ack reply');
        assert.equal(answer.timedOut, false);
        assert.equal(answer.cancelled, false);
        assert.deepEqual(answer.args, [
            'answer', ...payload, { _binary: true, size: 3, base64: Buffer.from([7, 8, 9]).toString('base64') },
        ], 'the server got the reply, binary included (BINARY_ACK)');
        assert.deepEqual(questions[0], payload, 'the question carried the arguments');

        const from = srv.lines.length;
        socket.emit('ask', 'ignore');
        const timeout = await srv.waitLine((l) => l.type === 'answer', WAIT, 'the ack timeout', from);
        assert.equal(timeout.timedOut, true, 'an unanswered question times out');
        assert.ok(timeout.elapsedMs >= 950, `timed out after ${timeout.elapsedMs} ms (the timeout is 1000 ms)`);
        assert.notEqual(timeout.ackId, answer.ackId, 'each question has its own ack id');
        assert.ok(socket.connected, 'a timed-out ack does not disconnect');
    },

    // Socket::close() from a Qt handler: the client sees "io server disconnect".
    async 'server-disconnect'(ctx) {
        const { srv, socket } = await start(ctx);
        await connected(socket);
        const id = socket.id;
        const gone = once(socket, 'disconnect', WAIT, 'client');
        socket.emit('kick');
        assert.equal((await gone)[0], 'io server disconnect');
        const line = await srv.waitLine((l) => l.type === 'disconnect' && l.socket === id, WAIT, 'the disconnect line');
        assert.equal(line.reason, 'server namespace disconnect');
    },
};

runCases(cases, process.argv.slice(3), 60000);
