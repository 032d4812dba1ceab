// Shared helpers of the interop scripts: loading the pinned npm packages, running a server
// process that prints JSON lines, waiting on events with timeouts, running named cases.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { spawn } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');

// Children still running when this process leaves (a failure, a timeout) are killed with it.
const children = new Set();
process.on('exit', () => {
    for (const c of children)
        c.kill('SIGKILL');
});

function fatal(message) {
    process.stderr.write(`FAIL: ${message}\n`);
    process.exit(1);
}

// Loads one of the npm packages pinned in the repository's package.json, failing with a clear
// message when `npm ci` has not been run (or installed something else).
function requireOfficial(name) {
    const pinned = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const wanted = (pinned.dependencies || {})[name];
    let mod, version;
    try {
        mod = require(name);
        version = require(`${name}/package.json`).version;
    } catch (e) {
        if (e.code === 'MODULE_NOT_FOUND')
            fatal(`the npm package "${name}" is not installed: run \`npm ci\` in ${ROOT}`);
        throw e;
    }
    if (wanted && version !== wanted)
        fatal(`"${name}" ${version} is installed but package.json pins ${wanted}: run \`npm ci\` in ${ROOT}`);
    return mod;
}

// Resolves with the event's arguments (as an array) the next time `emitter` emits `event`.
function once(emitter, event, timeoutMs, label) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            emitter.off(event, handler);
            reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"${label ? ` on ${label}` : ''}`));
        }, timeoutMs);
        const handler = (...args) => {
            clearTimeout(timer);
            resolve(args);
        };
        emitter.once(event, handler);
    });
}

// Collects every emission of `event` so a test can wait for the n-th one.
function collect(emitter, event) {
    const got = [];
    const waiters = [];
    emitter.on(event, (...args) => {
        got.push(args);
        for (const w of waiters.splice(0))
            w();
    });
    got.waitFor = (count, timeoutMs, label) => new Promise((resolve, reject) => {
        let done = false;
        const check = () => {
            if (done)
                return true;
            if (got.length >= count) {
                clearTimeout(timer);
                done = true;
                resolve(got.slice(0, count));
                return true;
            }
            return false;
        };
        const timer = setTimeout(() => {
            done = true;
            reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} "${event}" (got ${got.length})${label ? ` on ${label}` : ''}`));
        }, timeoutMs);
        const again = () => {
            if (!check())
                waiters.push(again);
        };
        again();
    });
    return got;
}

// A child process printing one JSON object a line on stdout; the first line (or the first with
// a "port") tells where it listens.
class JsonLinesProcess {
    constructor(label, command, args, options = {}) {
        this.label = label;
        this.lines = [];
        this.stderr = '';
        this.exited = null;
        this.waiters = [];
        this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: options.cwd || ROOT });
        children.add(this.child);
        this.child.on('error', (e) => { this.exited = { error: e.message }; this.wake(); });
        this.child.stderr.on('data', (d) => { this.stderr += d.toString(); });
        this.child.on('exit', (code, signal) => {
            children.delete(this.child);
            this.exited = { code, signal };
            this.wake();
        });
        readline.createInterface({ input: this.child.stdout }).on('line', (text) => {
            let obj;
            try {
                obj = JSON.parse(text);
            } catch (e) {
                obj = { type: 'unparsed', text };
            }
            this.lines.push(obj);
            this.wake();
        });
    }

    wake() {
        for (const w of this.waiters.splice(0))
            w();
    }

    // Waits for a line (at index `from` or later) for which pred(line) is true.
    waitLine(pred, timeoutMs, what, from = 0) {
        return new Promise((resolve, reject) => {
            let timer = null;
            let done = false;
            const check = () => {
                if (done)
                    return true;
                for (let i = from; i < this.lines.length; ++i) {
                    if (pred(this.lines[i])) {
                        clearTimeout(timer);
                        resolve(this.lines[i]);
                        return true;
                    }
                }
                if (this.exited) {
                    clearTimeout(timer);
                    reject(new Error(`${this.label} exited (${JSON.stringify(this.exited)}) before printing ${what}; stderr: ${this.stderr.trim() || '(empty)'}`));
                    return true;
                }
                return false;
            };
            timer = setTimeout(() => {
                done = true;
                reject(new Error(`timed out after ${timeoutMs} ms waiting for ${this.label} to print ${what}`));
            }, timeoutMs);
            const again = () => {
                if (!check())
                    this.waiters.push(again);
            };
            again();
        });
    }

    async listening(timeoutMs = 10000) {
        const line = await this.waitLine((l) => typeof l.port === 'number' && l.port > 0, timeoutMs,
                                         'its listening port');
        this.port = line.port;
        return line;
    }

    async stop() {
        if (this.exited)
            return this.exited;
        this.child.kill('SIGTERM');
        const killer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
        await new Promise((resolve) => {
            const again = () => {
                if (this.exited)
                    resolve();
                else
                    this.waiters.push(again);
            };
            again();
        });
        clearTimeout(killer);
        return this.exited;
    }
}

const CONTRACT_RULES = path.join(ROOT, 'resources', 'rules', 'protocol-contract.json');
const CONTRACT_HEARTBEAT = { pingInterval: 300, pingTimeout: 200 };

// Starts our headless server with the protocol contract's settings (another rules file or
// heartbeat if given).
async function startSockscope(binary, rulesFile = CONTRACT_RULES, heartbeat = CONTRACT_HEARTBEAT) {
    if (!binary || !fs.existsSync(binary))
        fatal(`the sockscope binary "${binary}" does not exist (build the project first)`);
    const server = new JsonLinesProcess('sockscope', binary, [
        '--headless', '--port', '0', '--rules', rulesFile || CONTRACT_RULES,
        '--ping-interval', String(heartbeat.pingInterval), '--ping-timeout', String(heartbeat.pingTimeout),
        '--max-payload', '1000000', '--connect-timeout', '1000', '--cors-origin', '*']);
    const line = await server.listening();
    assert.equal(line.type, 'listening', 'the first line of sockscope is "listening"');
    assert.equal(line.address, '127.0.0.1');
    server.url = `http://127.0.0.1:${server.port}`;
    return server;
}

// Runs the named async cases in order; every case gets a fresh context with its own cleanups.
// Exits 0 only if every selected case passed; unknown names and a blown overall timeout fail.
async function runCases(cases, selected, overallTimeoutMs) {
    const names = selected.length ? selected : Object.keys(cases);
    for (const n of names) {
        if (!cases[n])
            fatal(`unknown case "${n}" (known: ${Object.keys(cases).join(', ')})`);
    }
    const overall = setTimeout(() => fatal(`the whole run took more than ${overallTimeoutMs} ms`), overallTimeoutMs);
    let failed = 0;
    for (const n of names) {
        const cleanups = [];
        const ctx = { defer: (fn) => cleanups.push(fn), notes: [], processes: [] };
        // Things seen along the way, printed if the case fails.
        ctx.note = (text) => ctx.notes.push(`[${Date.now() - started} ms] ${text}`);
        // Notes every disconnect and connect error of an official client socket.
        ctx.watch = (socket, label) => {
            socket.on('disconnect', (reason) => ctx.note(`${label} disconnected: ${reason}`));
            socket.on('connect_error', (e) => ctx.note(`${label} connect_error: ${e.message}`));
            return socket;
        };
        const started = Date.now();
        try {
            await cases[n](ctx);
            process.stdout.write(`PASS   ${n} (${Date.now() - started} ms)\n`);
        } catch (e) {
            ++failed;
            process.stdout.write(`FAIL!  ${n}: ${e && e.stack ? e.stack : e}\n`);
            for (const note of ctx.notes || [])
                process.stdout.write(`       ${note}\n`);
            for (const p of ctx.processes || []) {
                process.stdout.write(`       last lines of ${p.label}:\n`);
                for (const l of p.lines.slice(-20))
                    process.stdout.write(`         ${JSON.stringify(l).slice(0, 400)}\n`);
                if (p.stderr.trim())
                    process.stdout.write(`       stderr of ${p.label}: ${p.stderr.trim()}\n`);
            }
        }
        for (const fn of cleanups.reverse()) {
            try {
                await fn();
            } catch (e) {
                process.stdout.write(`       (cleanup of ${n}: ${e})\n`);
            }
        }
    }
    clearTimeout(overall);
    process.stdout.write(`${names.length - failed} passed, ${failed} failed\n`);
    process.exit(failed ? 1 : 0);
}

// Buffer, ArrayBuffer or typed array → Buffer, for comparing binary however it was decoded.
function toBuffer(x) {
    if (Buffer.isBuffer(x))
        return x;
    if (x instanceof ArrayBuffer)
        return Buffer.from(x);
    if (ArrayBuffer.isView(x))
        return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    return null;
}

// Deep equality where binary compares by bytes whatever its JS type.
function normalizeBinary(v) {
    const b = toBuffer(v);
    if (b)
        return { binary: b.toString('hex') };
    if (Array.isArray(v))
        return v.map(normalizeBinary);
    if (v && typeof v === 'object') {
        const o = {};
        for (const k of Object.keys(v))
            o[k] = normalizeBinary(v[k]);
        return o;
    }
    return v;
}

function assertSameArgs(actual, expected, message) {
    assert.deepEqual(normalizeBinary(actual), normalizeBinary(expected), message);
}

// How long a test waits for any single expected thing to happen, in ms.
const WAIT = 5000;

// Resolves once the socket is connected; rejects on connect_error or after WAIT.
function connected(socket, label) {
    return new Promise((resolve, reject) => {
        if (socket.connected) {
            resolve();
            return;
        }
        const timer = setTimeout(() => reject(new Error(`${label}: not connected within ${WAIT} ms`)), WAIT);
        socket.once('connect', () => { clearTimeout(timer); resolve(); });
        socket.once('connect_error', (e) => { clearTimeout(timer); reject(new Error(`${label}: connect_error "${e.message}"`)); });
    });
}

// Emits with an ack request; resolves with every argument of the reply.
function emitWithAckArgs(socket, event, args) {
    return new Promise((resolve, reject) => {
        socket.timeout(WAIT).emit(event, ...args, (err, ...reply) => {
            if (err)
                reject(new Error(`no ack for "${event}" within ${WAIT} ms (${err.message})`));
            else
                resolve(reply);
        });
    });
}

module.exports = {
    ROOT, assert, fatal, requireOfficial, once, collect, JsonLinesProcess, startSockscope,
    runCases, toBuffer, normalizeBinary, assertSameArgs, WAIT, connected, emitWithAckArgs,
};
