// Helpers of the browser-client tests: checked loading of npm packages and of our client file,
// our headless server as a child process printing JSON lines, waiting with timeouts, named cases.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { spawn } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const CLIENT_FILE = path.join(ROOT, 'resources', 'web', 'socket.io.js');
const RULES = path.join(ROOT, 'resources', 'rules');

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

// An npm package pinned in the repository's package.json, or a clear failure.
function requirePinned(name) {
    const pinned = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).dependencies || {};
    let mod, version;
    try {
        mod = require(name);
        // Read directly: some packages do not export their package.json.
        version = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch (e) {
        if (e.code === 'MODULE_NOT_FOUND' || e.code === 'ENOENT')
            fatal(`the npm package "${name}" is not installed: run \`npm ci\` in ${ROOT}`);
        throw e;
    }
    if (pinned[name] && version !== pinned[name])
        fatal(`"${name}" ${version} is installed but package.json pins ${pinned[name]}: run \`npm ci\` in ${ROOT}`);
    return mod;
}

// Our browser client, loaded fresh (its connection cache is per load).
function loadClient() {
    requirePinned('ws'); // the client's WebSocket under Node.js 20
    delete require.cache[require.resolve(CLIENT_FILE)];
    const io = require(CLIENT_FILE);
    assert.equal(typeof io, 'function', `${CLIENT_FILE} exports io()`);
    return io;
}

// Resolves with the arguments of the next `event` on `emitter` (anything with on/off).
function next(emitter, event, timeoutMs, label) {
    return new Promise((resolve, reject) => {
        const handler = (...args) => {
            clearTimeout(timer);
            emitter.off(event, handler);
            resolve(args);
        };
        const timer = setTimeout(() => {
            emitter.off(event, handler);
            reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"${label ? ` on ${label}` : ''}`));
        }, timeoutMs);
        emitter.on(event, handler);
    });
}

// Resolves once pred() is true, checked whenever poke() is called, or fails after timeoutMs.
class Waiter {
    constructor() {
        this.waiters = [];
    }

    poke() {
        for (const w of this.waiters.slice())
            w();
    }

    until(pred, timeoutMs, what) {
        return new Promise((resolve, reject) => {
            const check = () => {
                let v;
                try {
                    v = pred();
                } catch (e) {
                    done();
                    reject(e);
                    return;
                }
                if (v) {
                    done();
                    resolve(v);
                }
            };
            const done = () => {
                clearTimeout(timer);
                const i = this.waiters.indexOf(check);
                if (i >= 0)
                    this.waiters.splice(i, 1);
            };
            const timer = setTimeout(() => {
                done();
                reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
            }, timeoutMs);
            this.waiters.push(check);
            check();
        });
    }
}

// A child process printing one JSON object a line on stdout.
class JsonLinesProcess extends Waiter {
    constructor(label, command, args) {
        super();
        this.label = label;
        this.lines = [];
        this.stderr = '';
        this.exited = null;
        this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
        children.add(this.child);
        this.child.on('error', (e) => { this.exited = { error: e.message }; this.poke(); });
        this.child.stderr.on('data', (d) => { this.stderr += d.toString(); });
        this.child.on('exit', (code, signal) => {
            children.delete(this.child);
            this.exited = { code, signal };
            this.poke();
        });
        readline.createInterface({ input: this.child.stdout }).on('line', (text) => {
            let obj;
            try {
                obj = JSON.parse(text);
            } catch (e) {
                obj = { type: 'unparsed', text };
            }
            this.lines.push(obj);
            this.poke();
        });
    }

    // The first line satisfying pred, waiting up to timeoutMs for it.
    waitLine(pred, timeoutMs, what) {
        return this.until(() => {
            const found = this.lines.find(pred);
            if (found)
                return found;
            if (this.exited)
                throw new Error(`${this.label} exited (${JSON.stringify(this.exited)}) before printing ${what}; stderr: ${this.stderr.trim() || '(empty)'}`);
            return null;
        }, timeoutMs, `${this.label} to print ${what}; last lines:\n  ${this.lines.slice(-8).map((l) => JSON.stringify(l)).join('\n  ')}`);
    }

    signal(name) {
        this.child.kill(name);
    }

    async stop() {
        if (!this.exited) {
            this.child.kill('SIGTERM');
            const killer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
            await this.until(() => this.exited, 10000, `${this.label} to exit`);
            clearTimeout(killer);
        }
        return this.exited;
    }
}

// Our headless server on 127.0.0.1, port 0, with a rules file and a fast heartbeat (pings every
// 300 ms; the pong timeout leaves room for a loaded machine).
async function startSockscope(binary, rules, extra = []) {
    if (!binary || !fs.existsSync(binary))
        fatal(`the sockscope binary "${binary}" does not exist (build the project first)`);
    const server = new JsonLinesProcess('sockscope', binary, [
        '--headless', '--bind', '127.0.0.1', '--port', '0', '--rules', rules,
        '--ping-interval', '300', '--ping-timeout', '1000', '--connect-timeout', '5000', ...extra]);
    const line = await server.waitLine((l) => l.type === 'listening', 15000, 'its "listening" line');
    assert.equal(line.address, '127.0.0.1');
    server.port = line.port;
    server.describe = (count = 30) => `last ${count} lines of sockscope:\n  ${server.lines.slice(-count).map((l) => JSON.stringify(l).slice(0, 400)).join('\n  ')}${server.stderr ? `\nsockscope stderr: ${server.stderr}` : ''}`;
    server.url = `http://127.0.0.1:${line.port}`;
    return server;
}

// Runs the selected async cases in order, each with its own cleanups; exit code 0 only if all
// passed. The whole run is bounded by overallTimeoutMs.
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
        const diagnostics = [];
        // defer(fn): run after the case; explain(fn): fn() returns text shown if the case fails.
        const ctx = { defer: (fn) => cleanups.push(fn), explain: (fn) => diagnostics.push(fn) };
        const started = Date.now();
        try {
            await cases[n](ctx);
            process.stdout.write(`PASS   ${n} (${Date.now() - started} ms)\n`);
        } catch (e) {
            ++failed;
            process.stdout.write(`FAIL!  ${n}: ${e && e.stack ? e.stack : e}\n`);
            for (const fn of diagnostics)
                process.stdout.write(`${fn()}\n`);
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

// Binary, whatever its JS type, as hex for comparisons; other values unchanged, at any depth.
function normalizeBinary(v) {
    if (v instanceof ArrayBuffer)
        return { binary: Buffer.from(v).toString('hex') };
    if (ArrayBuffer.isView(v))
        return { binary: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
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

module.exports = {
    ROOT, CLIENT_FILE, RULES, assert, fatal, requirePinned, loadClient, next, Waiter,
    JsonLinesProcess, startSockscope, runCases, normalizeBinary,
};
