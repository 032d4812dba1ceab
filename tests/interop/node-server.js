// The official Node.js socket.io server, for tst_interop_client (our EventClient against it).
//
//   node node-server.js [--parser msgpack]
//
// With --parser msgpack the server uses the official msgpack parser (socket.io-msgpack-parser)
// instead of the default JSON one.
//
// Listens on 127.0.0.1 with a free port, pingInterval 300 ms and pingTimeout 200 ms, and
// prints one JSON object a line on stdout (binary shown as {"_binary":true,"size":N,"base64":…}):
//   {"type":"listening","port":N}                       first
//   {"type":"connect","nsp","id","conn","auth"}         a socket joined a namespace
//   {"type":"event","nsp","id","event","args","ack"}    every event received
//   {"type":"answer","id","args"} / {"type":"answer","id","error"}   the reply to "question"
//   {"type":"pong","conn"}                              every pong received
//   {"type":"disconnect","nsp","id","reason"}
//   {"type":"refused","count"}                          a handshake refused by allowRequest
//
// Namespaces: "/" and "/chat" behave as below; "/private" refuses everyone in a middleware
// ("not authorized"); any other namespace gets the server's "Invalid namespace".
// Events ("/" and "/chat"):
//   "echo" args…             → emits "echo" with the same args
//   "ack-me" args… + ack     → acks with the same args
//   "no-ack" args… + ack     → never acks
//   "ask-client" args…       → emits "question" args… asking for an ack (3000 ms); the reply is
//                              printed and sent back as "answer-seen" reply…
//   "send-binary"            → emits "binary" with Buffers, top level and nested
//   "disconnect-me"          → socket.disconnect() (client: "io server disconnect")
//   "drop-transport" [n]     → refuses the next n handshakes, then closes the Engine.IO
//                              connection (client: "transport close", then reconnects)
// Exits when its standard input closes.
'use strict';

const http = require('node:http');
const path = require('node:path');

let Server;
try {
    ({ Server } = require('socket.io'));
} catch (e) {
    process.stderr.write(`node-server.js: the npm package "socket.io" is not installed: run \`npm ci\` in ${path.resolve(__dirname, '..', '..')}\n`);
    process.exit(2);
}

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

let parser;
if (process.argv.includes('--parser')) {
    const name = process.argv[process.argv.indexOf('--parser') + 1];
    if (name === 'msgpack') {
        try {
            parser = require('socket.io-msgpack-parser');
        } catch (e) {
            process.stderr.write(`node-server.js: the npm package "socket.io-msgpack-parser" is not installed: run \`npm ci\` in ${path.resolve(__dirname, '..', '..')}\n`);
            process.exit(2);
        }
    } else if (name !== 'json') {
        process.stderr.write(`node-server.js: --parser json or msgpack, not ${name}\n`);
        process.exit(2);
    }
}

let refuseNext = 0;
const httpServer = http.createServer();
const io = new Server(httpServer, {
    ...(parser ? { parser } : {}),
    pingInterval: 300,
    pingTimeout: 200,
    allowRequest: (req, callback) => {
        if (refuseNext > 0) {
            --refuseNext;
            print({ type: 'refused', count: refuseNext });
            callback('refused by the test', false);
            return;
        }
        callback(null, true);
    },
});

function setup(socket) {
    const nsp = socket.nsp.name;
    print({ type: 'connect', nsp, id: socket.id, conn: socket.conn.id, auth: socket.handshake.auth });
    socket.onAny((event, ...args) => {
        const ack = typeof args[args.length - 1] === 'function';
        print({ type: 'event', nsp, id: socket.id, event, args: display(ack ? args.slice(0, -1) : args), ack });
    });
    socket.on('echo', (...args) => socket.emit('echo', ...args));
    socket.on('ack-me', (...args) => {
        const ack = args.pop();
        ack(...args);
    });
    socket.on('no-ack', () => {});
    socket.on('ask-client', (...args) => {
        socket.timeout(3000).emit('question', ...args, (err, ...reply) => {
            if (err) {
                print({ type: 'answer', id: socket.id, error: err.message });
                return;
            }
            print({ type: 'answer', id: socket.id, args: display(reply) });
            socket.emit('answer-seen', ...reply);
        });
    });
    socket.on('send-binary', () => {
        socket.emit('binary', Buffer.from([0, 1, 2, 255]),
                    { nested: { data: Buffer.from('xyz') }, list: [Buffer.alloc(0), 'text'] });
    });
    socket.on('disconnect-me', () => socket.disconnect());
    socket.on('drop-transport', (n) => {
        refuseNext = Number.isInteger(n) ? n : 0;
        socket.conn.close();
    });
    socket.on('disconnect', (reason) => print({ type: 'disconnect', nsp, id: socket.id, reason }));
}

io.on('connection', setup);
io.of('/chat').on('connection', setup);
io.of('/private').use((socket, next) => next(new Error('not authorized')));
io.engine.on('connection', (conn) => {
    conn.on('packet', (packet) => {
        if (packet.type === 'pong')
            print({ type: 'pong', conn: conn.id });
    });
});

httpServer.listen(0, '127.0.0.1', () => {
    print({ type: 'listening', port: httpServer.address().port });
});

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
