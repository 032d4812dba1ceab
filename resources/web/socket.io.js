/*
 * Sockscope's browser client for Socket.IO v5 over Engine.IO v4.
 *
 * Written for this project from the public protocol specifications; served by the Sockscope
 * server at GET <path>socket.io.js (by default /socket.io/socket.io.js). One file, plain ES2017,
 * no dependencies. In a page it defines the global `io`; under Node.js (20 or later) it is also
 * a CommonJS module (`const io = require('./socket.io.js')`), and uses the global fetch for
 * long-polling and the global WebSocket, or else the `ws` npm package, for WebSocket.
 *
 *   const socket = io('http://127.0.0.1:8080/chat', { auth: { token: 'abc' } });
 *   socket.on('connect', () => socket.emit('hello', 1, { two: 2 }, (reply) => console.log(reply)));
 *
 * What it does
 *   io(url, opts), io.connect(url, opts): http, https, ws and wss URLs (ws means http and wss
 *     https: the transports are chosen by `transports`, not by the scheme); the URL's path is the
 *     namespace ("/" by default); without a URL, the page's origin.
 *   Connections are shared: sockets made by io() for the same origin and `path` travel over one
 *     Engine.IO connection, one socket per namespace (multiplexing). `forceNew: true`,
 *     `multiplex: false`, or asking for a namespace that connection already carries, opens a new
 *     connection. The options of the call that opened a shared connection are the ones used.
 *   Options: path ("/socket.io/"), transports (["polling", "websocket"]: long-polling first,
 *     then an upgrade to WebSocket by the 2probe/3probe/5 exchange), auth (an object, or a
 *     function called with a callback at every CONNECT), query (object or string), timeout
 *     (20000 ms to open the connection), reconnection (true), reconnectionAttempts (Infinity),
 *     reconnectionDelay (1000), reconnectionDelayMax (5000), randomizationFactor (0.5),
 *     autoConnect (true), ackTimeout (none), forceNew, multiplex (true), withCredentials (false:
 *     cookies on cross-origin polling), and for Node.js or tests: WebSocket (a constructor) and
 *     fetch (a function), parser ("json", the default, or "msgpack": socket.io-msgpack-parser's
 *     wire format, each packet one msgpack map in one binary message; the server must speak it
 *     too, as Sockscope's under --parser auto or msgpack does).
 *   Socket: on, once, off, onAny, prependAny, offAny, onAnyOutgoing, offAnyOutgoing, listeners,
 *     emit(event, ...args[, ack]), send(...args) (the event "message"), timeout(ms).emit(...,
 *     (err, ...reply) => {}), emitWithAck(...) (a Promise of the first reply argument),
 *     connect()/open(), disconnect()/close(), properties id, connected, disconnected, active,
 *     io (the Manager; io.engine.transport.name is "polling" or "websocket", and io.engine emits
 *     "upgrade" when it switches).
 *   Events on a socket: connect; disconnect(reason) with reason "io server disconnect",
 *     "io client disconnect", "ping timeout", "transport close", "transport error" or
 *     "parse error"; connect_error(Error) with .message and, from a CONNECT_ERROR, .data.
 *   Events on the Manager (socket.io): open, close, error, ping, packet, reconnect_attempt,
 *     reconnect, reconnect_error, reconnect_failed.
 *   Binary: ArrayBuffer, typed arrays, DataView, Node.js Buffer and Blob (read into an
 *     ArrayBuffer first, keeping the order of emits), at any depth, are sent as attachments;
 *     received binary is always an ArrayBuffer.
 *   Emits made before the socket is connected are buffered and sent once it is.
 *   After a lost connection (not after "io server disconnect" or "io client disconnect") the
 *     Manager reconnects with exponential backoff and jitter, and every socket that was active
 *     connects again.
 *
 * What it leaves out: connection state recovery, the volatile and compress flags, the
 *   WebTransport transport, extraHeaders, closing on beforeunload, and the Socket.IO v2/v3
 *   protocols.
 */
(function (root, factory) {
    'use strict';
    const nodeRequire = typeof require === 'function' ? require : null;
    const io = factory(root, nodeRequire);
    if (typeof module === 'object' && module && module.exports)
        module.exports = io;
    if (root && (typeof window !== 'undefined' || typeof self !== 'undefined'))
        root.io = io;
})(typeof globalThis !== 'undefined' ? globalThis : this, function (root, nodeRequire) {
    'use strict';

    // ---------------------------------------------------------------------------------------
    // Small helpers

    const HAS_BLOB = typeof Blob === 'function';

    function isBinary(x) {
        return x instanceof ArrayBuffer || ArrayBuffer.isView(x) || (HAS_BLOB && x instanceof Blob);
    }

    // Plain containers we look into; anything with its own toJSON (Date, …) is left to JSON.
    function isContainer(x) {
        return x !== null && typeof x === 'object' && !isBinary(x) && typeof x.toJSON !== 'function';
    }

    function findIn(x, pred, depth) {
        if (pred(x))
            return true;
        if (depth > 64 || !isContainer(x))
            return false;
        const values = Array.isArray(x) ? x : Object.keys(x).map((k) => x[k]);
        return values.some((v) => findIn(v, pred, depth + 1));
    }

    const hasBinary = (x) => findIn(x, isBinary, 0);
    const hasBlob = (x) => HAS_BLOB && findIn(x, (v) => v instanceof Blob, 0);

    // Replaces every Blob in x (at any depth) with its bytes, as an ArrayBuffer.
    function readBlobs(x) {
        if (HAS_BLOB && x instanceof Blob) {
            if (typeof x.arrayBuffer === 'function')
                return x.arrayBuffer();
            return new Promise((resolve, reject) => { // browsers before Blob.arrayBuffer()
                const reader = new FileReader();
                reader.onload = () => resolve(reader.result);
                reader.onerror = () => reject(reader.error);
                reader.readAsArrayBuffer(x);
            });
        }
        if (!isContainer(x))
            return Promise.resolve(x);
        if (Array.isArray(x))
            return Promise.all(x.map(readBlobs));
        const keys = Object.keys(x);
        return Promise.all(keys.map((k) => readBlobs(x[k]))).then((values) => {
            const out = {};
            keys.forEach((k, i) => { out[k] = values[i]; });
            return out;
        });
    }

    function bytesOf(x) {
        return x instanceof ArrayBuffer ? new Uint8Array(x)
                                        : new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    }

    function toArrayBuffer(x) {
        if (x instanceof ArrayBuffer)
            return x;
        return x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength); // Buffer, typed array
    }

    function toBase64(x) {
        const bytes = bytesOf(x);
        let s = '';
        for (let i = 0; i < bytes.length; i += 0x8000)
            s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
        return btoa(s);
    }

    function fromBase64(text) {
        const s = atob(text);
        const bytes = new Uint8Array(s.length);
        for (let i = 0; i < s.length; ++i)
            bytes[i] = s.charCodeAt(i);
        return bytes.buffer;
    }

    function utf8Length(s) {
        let n = 0;
        for (let i = 0; i < s.length; ++i) {
            const c = s.charCodeAt(i);
            if (c < 0x80)
                n += 1;
            else if (c < 0x800)
                n += 2;
            else if (c >= 0xd800 && c < 0xdc00) {
                n += 4; // a surrogate pair
                ++i;
            } else
                n += 3;
        }
        return n;
    }

    function queryString(params) {
        return Object.keys(params)
            .filter((k) => params[k] !== undefined && params[k] !== null)
            .map((k) => encodeURIComponent(k) + '=' + encodeURIComponent(params[k]))
            .join('&');
    }

    function parseQuery(q) {
        if (!q)
            return {};
        if (typeof q !== 'string')
            return Object.assign({}, q);
        const out = {};
        new URLSearchParams(q.replace(/^\?/, '')).forEach((v, k) => { out[k] = v; });
        return out;
    }

    let stampCounter = 0;
    function cacheBuster() {
        return Date.now().toString(36) + '.' + (stampCounter++).toString(36);
    }

    function makeError(message, extra) {
        const e = new Error(message);
        if (extra)
            Object.assign(e, extra);
        return e;
    }

    // ---------------------------------------------------------------------------------------
    // Emitter: on/once/off/listeners. `_fire` dispatches; Socket keeps `emit` for sending.

    class Emitter {
        on(event, fn) {
            if (!this._handlers)
                this._handlers = new Map();
            if (!this._handlers.has(event))
                this._handlers.set(event, []);
            this._handlers.get(event).push(fn);
            return this;
        }

        once(event, fn) {
            const wrapper = (...args) => {
                this.off(event, wrapper);
                fn.apply(this, args);
            };
            wrapper.listener = fn;
            return this.on(event, wrapper);
        }

        off(event, fn) {
            if (!this._handlers)
                return this;
            if (event === undefined) {
                this._handlers.clear();
            } else if (fn === undefined) {
                this._handlers.delete(event);
            } else {
                const list = this._handlers.get(event) || [];
                const i = list.findIndex((h) => h === fn || h.listener === fn);
                if (i >= 0)
                    list.splice(i, 1);
            }
            return this;
        }

        listeners(event) {
            return ((this._handlers && this._handlers.get(event)) || []).slice();
        }

        hasListeners(event) {
            return this.listeners(event).length > 0;
        }

        // A listener that throws does not break the connection's state: its error is rethrown
        // on its own, where the page or process reports uncaught errors.
        _fire(event, ...args) {
            for (const fn of this.listeners(event)) {
                try {
                    fn.apply(this, args);
                } catch (e) {
                    setTimeout(() => { throw e; });
                }
            }
            return this;
        }

        // Subscribes and returns the function that unsubscribes.
        _sub(event, fn) {
            this.on(event, fn);
            return () => this.off(event, fn);
        }
    }
    Emitter.prototype.addListener = Emitter.prototype.on;
    Emitter.prototype.removeListener = Emitter.prototype.off;
    Emitter.prototype.removeAllListeners = Emitter.prototype.off;

    // ---------------------------------------------------------------------------------------
    // Engine.IO v4 packets
    //   text: one digit type (0 open, 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop)
    //         then the data; binary message: the raw bytes (WebSocket) or "b" + base64 (polling).
    //   polling payload: packets joined by the record separator "\x1e".

    const EIO_TYPES = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'];
    const RECORD_SEPARATOR = '\x1e';

    function encodeEio(packet, forPolling) {
        const data = packet.data;
        if (data !== undefined && typeof data !== 'string')
            return forPolling ? 'b' + toBase64(data) : data;
        return EIO_TYPES.indexOf(packet.type) + (data || '');
    }

    function decodeEio(raw) {
        if (typeof raw !== 'string')
            return { type: 'message', data: toArrayBuffer(raw) };
        if (raw[0] === 'b')
            return { type: 'message', data: fromBase64(raw.slice(1)) };
        const type = EIO_TYPES[raw.charCodeAt(0) - 48];
        if (!type || raw.length === 0)
            return { type: 'error', data: 'unknown packet type ' + JSON.stringify(raw.slice(0, 1)) };
        return raw.length > 1 ? { type, data: raw.slice(1) } : { type };
    }

    function decodeEioPayload(text) {
        return text.length ? text.split(RECORD_SEPARATOR).map(decodeEio) : [];
    }

    // ---------------------------------------------------------------------------------------
    // Socket.IO v5 packets
    //   <type>[<attachments>-][<namespace>,][<ack id>][<JSON>]
    //   types: 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5 BINARY_EVENT,
    //   6 BINARY_ACK; binary arguments become {"_placeholder":true,"num":N} and travel as the N
    //   following binary messages.

    const CONNECT = 0, DISCONNECT = 1, EVENT = 2, ACK = 3, CONNECT_ERROR = 4, BINARY_EVENT = 5,
          BINARY_ACK = 6;

    function encodeSio(packet) {
        let type = packet.type;
        let data = packet.data;
        const attachments = [];
        if ((type === EVENT || type === ACK) && hasBinary(data)) {
            data = placeholders(data, attachments);
            type = type === EVENT ? BINARY_EVENT : BINARY_ACK;
        }
        let text = String(type);
        if (attachments.length)
            text += attachments.length + '-';
        if (packet.nsp && packet.nsp !== '/')
            text += packet.nsp + ',';
        if (packet.id !== undefined)
            text += packet.id;
        if (data !== undefined)
            text += JSON.stringify(data);
        return [text].concat(attachments);
    }

    function placeholders(x, attachments) {
        if (isBinary(x)) {
            attachments.push(x);
            return { _placeholder: true, num: attachments.length - 1 };
        }
        if (!isContainer(x))
            return x;
        if (Array.isArray(x))
            return x.map((v) => placeholders(v, attachments));
        const out = {};
        for (const k of Object.keys(x))
            out[k] = placeholders(x[k], attachments);
        return out;
    }

    function fillPlaceholders(x, attachments) {
        if (x === null || typeof x !== 'object')
            return x;
        if (x._placeholder === true && typeof x.num === 'number') {
            if (!(x.num >= 0 && x.num < attachments.length))
                throw new Error('attachment placeholder out of range');
            return attachments[x.num];
        }
        if (Array.isArray(x))
            return x.map((v) => fillPlaceholders(v, attachments));
        for (const k of Object.keys(x))
            x[k] = fillPlaceholders(x[k], attachments);
        return x;
    }

    function isObject(x) {
        return x !== null && typeof x === 'object' && !Array.isArray(x);
    }

    function decodeSioText(text) {
        const type = text.charCodeAt(0) - 48;
        if (!(type >= CONNECT && type <= BINARY_ACK))
            throw new Error('unknown Socket.IO packet type');
        const packet = { type, nsp: '/', attachments: 0 };
        let i = 1;
        if (type === BINARY_EVENT || type === BINARY_ACK) {
            const dash = text.indexOf('-', i);
            const count = text.slice(i, dash);
            if (dash < 0 || !/^[0-9]{1,6}$/.test(count))
                throw new Error('bad attachment count');
            packet.attachments = Number(count);
            i = dash + 1;
        }
        if (text[i] === '/') {
            const comma = text.indexOf(',', i);
            const end = comma < 0 ? text.length : comma;
            packet.nsp = text.slice(i, end);
            i = comma < 0 ? end : end + 1;
        }
        let j = i;
        while (j < text.length && text[j] >= '0' && text[j] <= '9')
            ++j;
        if (j > i) {
            packet.id = Number(text.slice(i, j));
            i = j;
        }
        if (i < text.length)
            packet.data = JSON.parse(text.slice(i));

        const d = packet.data;
        const valid = type === CONNECT ? isObject(d)
            : type === DISCONNECT ? d === undefined
            : type === CONNECT_ERROR ? typeof d === 'string' || isObject(d)
            : type === EVENT || type === BINARY_EVENT
                ? Array.isArray(d) && d.length > 0 && (typeof d[0] === 'string' || typeof d[0] === 'number')
            : Array.isArray(d) && packet.id !== undefined; // ACK, BINARY_ACK
        if (!valid)
            throw new Error('invalid payload for Socket.IO packet type ' + type);
        return packet;
    }

    // Turns Engine.IO messages (text and binary) into whole Socket.IO packets.
    class SioDecoder {
        constructor(onPacket) {
            this.onPacket = onPacket;
            this.pending = null; // a binary packet waiting for its attachments
        }

        add(message) {
            if (typeof message === 'string') {
                if (this.pending)
                    throw new Error('a text packet arrived while binary attachments were expected');
                const packet = decodeSioText(message);
                if (packet.attachments > 0)
                    this.pending = { packet, buffers: [] };
                else
                    this.deliver(packet, []);
                return;
            }
            if (!this.pending)
                throw new Error('a binary message arrived that no packet announced');
            this.pending.buffers.push(message);
            if (this.pending.buffers.length === this.pending.packet.attachments) {
                const { packet, buffers } = this.pending;
                this.pending = null;
                this.deliver(packet, buffers);
            }
        }

        deliver(packet, buffers) {
            if (packet.type === BINARY_EVENT || packet.type === BINARY_ACK) {
                packet.data = fillPlaceholders(packet.data, buffers);
                packet.type = packet.type === BINARY_EVENT ? EVENT : ACK;
            }
            this.onPacket(packet);
        }

        reset() {
            this.pending = null;
        }
    }

    // ---------------------------------------------------------------------------------------
    // The msgpack wire format (opts.parser 'msgpack', as socket.io-msgpack-parser's): each
    // Socket.IO packet is one msgpack map {type, nsp, data, id?} sent as one binary message
    // (over polling a "b" + base64 record); binary values travel inside the map as msgpack bin,
    // so there are no attachments and no BINARY_EVENT / BINARY_ACK types. undefined is the
    // fixext 1 of type 0 (d4 00 00); keys of a map may come in any order, unknown keys are
    // ignored. Engine.IO's own packets (open, ping, pong, ...) stay text.

    const utf8Encoder = typeof TextEncoder === 'function' ? new TextEncoder() : null;
    const utf8Decoder = typeof TextDecoder === 'function' ? new TextDecoder('utf-8', { fatal: true }) : null;

    class MsgpackWriter {
        constructor() {
            this.bytes = new Uint8Array(256);
            this.view = new DataView(this.bytes.buffer);
            this.length = 0;
        }

        reserve(n) {
            if (this.length + n <= this.bytes.length)
                return;
            let size = this.bytes.length * 2;
            while (size < this.length + n)
                size *= 2;
            const grown = new Uint8Array(size);
            grown.set(this.bytes.subarray(0, this.length));
            this.bytes = grown;
            this.view = new DataView(grown.buffer);
        }

        u8(v) { this.reserve(1); this.bytes[this.length++] = v; }
        u16(v) { this.reserve(2); this.view.setUint16(this.length, v); this.length += 2; }
        u32(v) { this.reserve(4); this.view.setUint32(this.length, v); this.length += 4; }
        raw(bytes) { this.reserve(bytes.length); this.bytes.set(bytes, this.length); this.length += bytes.length; }

        // A head byte, then the length in 0, 1, 2 or 4 bytes: fix (up to fixMax, OR-ed into
        // fixBase), 8-bit (code8, when given), 16-bit or 32-bit.
        head(n, fixBase, fixMax, code8, code16, code32) {
            if (n <= fixMax) {
                this.u8(fixBase | n);
            } else if (code8 && n < 0x100) {
                this.u8(code8);
                this.u8(n);
            } else if (n < 0x10000) {
                this.u8(code16);
                this.u16(n);
            } else {
                this.u8(code32);
                this.u32(n);
            }
        }

        number(v) {
            if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) {
                if (v >= 0) {
                    if (v < 0x80) { this.u8(v); return; }
                    if (v < 0x100) { this.u8(0xcc); this.u8(v); return; }
                    if (v < 0x10000) { this.u8(0xcd); this.u16(v); return; }
                    if (v < 0x100000000) { this.u8(0xce); this.u32(v); return; }
                    this.u8(0xcf);
                    this.u32(Math.floor(v / 0x100000000));
                    this.u32(v >>> 0);
                    return;
                }
                if (v >= -0x20) { this.u8(v & 0xff); return; }
                if (v >= -0x80) { this.u8(0xd0); this.reserve(1); this.view.setInt8(this.length++, v); return; }
                if (v >= -0x8000) { this.u8(0xd1); this.reserve(2); this.view.setInt16(this.length, v); this.length += 2; return; }
                if (v >= -0x80000000) { this.u8(0xd2); this.reserve(4); this.view.setInt32(this.length, v); this.length += 4; return; }
                // int64, two's complement: the high word is the floor of v / 2^32.
                const hi = Math.floor(v / 0x100000000);
                this.u8(0xd3);
                this.u32(hi >>> 0);
                this.u32((v - hi * 0x100000000) >>> 0);
                return;
            }
            this.u8(0xcb);
            this.reserve(8);
            this.view.setFloat64(this.length, v);
            this.length += 8;
        }

        string(s) {
            const bytes = utf8Encoder ? utf8Encoder.encode(s) : Buffer.from(s, 'utf8');
            this.head(bytes.length, 0xa0, 31, 0xd9, 0xda, 0xdb);
            this.raw(bytes);
        }

        value(v, depth) {
            if (depth > 1000)
                throw new Error('msgpack: nested too deeply');
            if (v === undefined) {
                this.u8(0xd4); this.u8(0); this.u8(0);
            } else if (v === null) {
                this.u8(0xc0);
            } else if (v === true || v === false) {
                this.u8(v ? 0xc3 : 0xc2);
            } else if (typeof v === 'number') {
                this.number(v);
            } else if (typeof v === 'string') {
                this.string(v);
            } else if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
                const bytes = bytesOf(v);
                this.head(bytes.length, 0, -1, 0xc4, 0xc5, 0xc6);
                this.raw(bytes);
            } else if (Array.isArray(v)) {
                this.head(v.length, 0x90, 15, 0, 0xdc, 0xdd);
                for (const x of v)
                    this.value(x, depth + 1);
            } else if (typeof v === 'object') {
                if (typeof v.toJSON === 'function') { // a Date, as JSON.stringify would send it
                    this.value(v.toJSON(), depth + 1);
                    return;
                }
                // Keys with undefined or function values are left out, as JSON leaves them.
                const keys = Object.keys(v).filter((k) => v[k] !== undefined && typeof v[k] !== 'function');
                this.head(keys.length, 0x80, 15, 0, 0xde, 0xdf);
                for (const k of keys) {
                    this.string(k);
                    this.value(v[k], depth + 1);
                }
            } else {
                this.u8(0xc0); // a function or a symbol: as JSON, null
            }
        }

        result() {
            return this.bytes.buffer.slice(0, this.length);
        }
    }

    function encodeMsgpack(value) {
        const w = new MsgpackWriter();
        w.value(value, 0);
        return w.result();
    }

    // Decodes one msgpack value that fills all of `buffer`; throws on anything else. Binary
    // comes back as ArrayBuffer, as every binary this client receives.
    function decodeMsgpack(buffer) {
        const bytes = bytesOf(buffer);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        let at = 0;
        const need = (n) => {
            if (at + n > bytes.length)
                throw new Error('msgpack: truncated');
        };
        const u8 = () => { need(1); return bytes[at++]; };
        const u16 = () => { need(2); const v = view.getUint16(at); at += 2; return v; };
        const u32 = () => { need(4); const v = view.getUint32(at); at += 4; return v; };
        const take = (n) => { need(n); const b = bytes.subarray(at, at + n); at += n; return b; };
        const str = (n) => {
            const b = take(n);
            return utf8Decoder ? utf8Decoder.decode(b) : Buffer.from(b).toString('utf8');
        };
        const bin = (n) => { const b = take(n); return b.slice().buffer; };
        const ext = (n) => {
            const type = view.getInt8((need(1), at++));
            take(n);
            if (type === 0)
                return undefined; // d4 00 00: undefined
            throw new Error('msgpack: unsupported extension type ' + type);
        };
        function value(depth) {
            if (depth > 1000)
                throw new Error('msgpack: nested too deeply');
            const b = u8();
            if (b < 0x80) return b;
            if (b < 0x90) return map(b & 0x0f, depth);
            if (b < 0xa0) return array(b & 0x0f, depth);
            if (b < 0xc0) return str(b & 0x1f);
            if (b >= 0xe0) return b - 0x100;
            switch (b) {
            case 0xc0: return null;
            case 0xc2: return false;
            case 0xc3: return true;
            case 0xc4: return bin(u8());
            case 0xc5: return bin(u16());
            case 0xc6: return bin(u32());
            case 0xc7: return ext(u8());
            case 0xc8: return ext(u16());
            case 0xc9: return ext(u32());
            case 0xca: { need(4); const v = view.getFloat32(at); at += 4; return v; }
            case 0xcb: { need(8); const v = view.getFloat64(at); at += 8; return v; }
            case 0xcc: return u8();
            case 0xcd: return u16();
            case 0xce: return u32();
            case 0xcf: { const hi = u32(); return hi * 0x100000000 + u32(); }
            case 0xd0: { need(1); return view.getInt8(at++); }
            case 0xd1: { need(2); const v = view.getInt16(at); at += 2; return v; }
            case 0xd2: { need(4); const v = view.getInt32(at); at += 4; return v; }
            case 0xd3: { need(8); const hi = view.getInt32(at); const lo = view.getUint32(at + 4); at += 8; return hi * 0x100000000 + lo; }
            case 0xd4: return ext(1);
            case 0xd5: return ext(2);
            case 0xd6: return ext(4);
            case 0xd7: return ext(8);
            case 0xd8: return ext(16);
            case 0xd9: return str(u8());
            case 0xda: return str(u16());
            case 0xdb: return str(u32());
            case 0xdc: return array(u16(), depth);
            case 0xdd: return array(u32(), depth);
            case 0xde: return map(u16(), depth);
            case 0xdf: return map(u32(), depth);
            default: throw new Error('msgpack: unknown byte 0x' + b.toString(16));
            }
        }
        function array(n, depth) {
            need(n); // every element takes at least one byte: no huge allocation from a lie
            const out = new Array(n);
            for (let i = 0; i < n; ++i)
                out[i] = value(depth + 1);
            return out;
        }
        function map(n, depth) {
            need(2 * n);
            const out = {};
            for (let i = 0; i < n; ++i) {
                const k = value(depth + 1);
                if (typeof k !== 'string' && typeof k !== 'number')
                    throw new Error('msgpack: a map key that is not a string');
                const v = value(depth + 1);
                if (k === '__proto__')
                    Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
                else
                    out[k] = v;
            }
            return out;
        }
        const v = value(0);
        if (at !== bytes.length)
            throw new Error('msgpack: bytes after the value');
        return v;
    }

    function encodeSioMsgpack(packet) {
        const map = { type: packet.type, data: packet.data, nsp: packet.nsp || '/' };
        if (packet.id !== undefined)
            map.id = packet.id;
        return [encodeMsgpack(map)];
    }

    // The msgpack counterpart of SioDecoder: one binary message, one packet.
    class MsgpackSioDecoder {
        constructor(onPacket) {
            this.onPacket = onPacket;
        }

        add(message) {
            if (typeof message === 'string')
                throw new Error('a text message arrived on a msgpack connection');
            const p = decodeMsgpack(message);
            if (!isObject(p))
                throw new Error('a msgpack packet is not a map');
            const type = p.type;
            if (!(Number.isInteger(type) && type >= CONNECT && type <= CONNECT_ERROR))
                throw new Error('unknown Socket.IO packet type');
            const nsp = p.nsp === undefined ? '/' : p.nsp;
            if (typeof nsp !== 'string')
                throw new Error('the namespace is not a string');
            const packet = { type, nsp, data: p.data };
            if (p.id !== undefined && p.id !== null) {
                if (!Number.isInteger(p.id) || p.id < 0)
                    throw new Error('the ack id is not a whole number');
                packet.id = p.id;
            }
            const d = packet.data;
            const valid = type === CONNECT ? isObject(d)
                : type === DISCONNECT ? true
                : type === CONNECT_ERROR ? typeof d === 'string' || isObject(d)
                : type === EVENT ? Array.isArray(d) && d.length > 0 && (typeof d[0] === 'string' || typeof d[0] === 'number')
                : Array.isArray(d) && packet.id !== undefined; // ACK
            if (!valid)
                throw new Error('invalid payload for Socket.IO packet type ' + type);
            if (type === DISCONNECT)
                delete packet.data;
            this.onPacket(packet);
        }

        reset() {
        }
    }

    // ---------------------------------------------------------------------------------------
    // Transports. Each emits "packet" (a decoded Engine.IO packet), "drain" (ready to write
    // again), "error" (Error) and "close" (a reason); `writable` says whether write() may be
    // called now.

    function transportUrl(engine, scheme, name) {
        const params = Object.assign({}, engine.opts.query, { EIO: 4, transport: name });
        if (engine.id)
            params.sid = engine.id;
        if (name === 'polling')
            params.t = cacheBuster();
        return scheme + '//' + engine.host + engine.opts.path + '?' + queryString(params);
    }

    // HTTP long-polling: one GET at a time waits for packets, one POST at a time sends them.
    class Polling extends Emitter {
        constructor(engine) {
            super();
            this.name = 'polling';
            this.engine = engine;
            this.writable = true;
            this.polling = false; // a GET is in flight
            this.paused = false;
            this.closed = false;
            this.fetch = engine.opts.fetch || (typeof fetch === 'function' ? fetch.bind(root) : null);
        }

        open() {
            if (!this.fetch) {
                this._fail(makeError('xhr poll error', { description: 'no fetch() in this environment' }));
                return;
            }
            this._poll();
        }

        _request(method, body, abort) {
            const init = { method, credentials: this.engine.opts.withCredentials ? 'include' : 'same-origin' };
            if (abort)
                init.signal = abort.signal;
            if (body !== undefined) {
                init.body = body;
                init.headers = { 'Content-Type': 'text/plain;charset=UTF-8' };
            }
            const url = transportUrl(this.engine, this.engine.secure ? 'https:' : 'http:', 'polling');
            return this.fetch(url, init).then((res) => res.text().then((text) => {
                if (!res.ok)
                    throw makeError('xhr poll error', { description: 'HTTP ' + res.status + ' ' + text.trim(), status: res.status });
                return text;
            }));
        }

        _poll() {
            if (this.closed || this.paused)
                return;
            this.polling = true;
            this._abort = typeof AbortController === 'function' ? new AbortController() : null;
            this._request('GET', undefined, this._abort).then((text) => {
                this.polling = false;
                this._abort = null;
                if (this.closed)
                    return;
                for (const packet of decodeEioPayload(text)) {
                    if (this.closed)
                        return;
                    this._fire('packet', packet);
                }
                if (this._onIdle)
                    this._onIdle();
                this._poll();
            }, (err) => {
                this.polling = false;
                this._abort = null;
                this._fail(err);
            });
        }

        write(packets) {
            this.writable = false;
            const body = packets.map((p) => encodeEio(p, true)).join(RECORD_SEPARATOR);
            this._request('POST', body).then(() => {
                this.writable = true;
                if (this.closed)
                    return;
                if (this._onIdle)
                    this._onIdle();
                this._fire('drain');
            }, (err) => this._fail(err));
        }

        // Stops polling once the GET and the POST in flight are done, then calls back.
        pause(done) {
            this.paused = true;
            this._onIdle = () => {
                if (this.polling || !this.writable)
                    return;
                this._onIdle = null;
                done();
            };
            this._onIdle();
        }

        resume() {
            this._onIdle = null;
            this.paused = false;
            if (!this.polling)
                this._poll();
        }

        // sayGoodbye: tell the server with a close packet (a client-side close).
        close(sayGoodbye) {
            if (this.closed)
                return;
            this.closed = true;
            const abort = this._abort;
            if (sayGoodbye && this.engine.id) {
                // The server answers the pending GET when it sees the close packet.
                const stop = () => { if (abort && this.polling) abort.abort(); };
                this._request('POST', encodeEio({ type: 'close' }, true)).then(stop, stop);
            } else if (abort) {
                abort.abort();
            }
        }

        _fail(err) {
            if (this.closed)
                return;
            this.closed = true;
            if (this._abort)
                this._abort.abort();
            this._fire('error', err && err.message === 'xhr poll error' ? err
                                : makeError('xhr poll error', { description: String(err && err.message || err) }));
        }
    }

    function webSocketClass(opts) {
        if (opts.WebSocket)
            return opts.WebSocket;
        if (typeof WebSocket === 'function')
            return WebSocket;
        if (nodeRequire) {
            try {
                return nodeRequire('ws');
            } catch (e) {
                // fall through
            }
        }
        return null;
    }

    // WebSocket: one Engine.IO packet per frame; binary frames are binary messages.
    class WebSocketTransport extends Emitter {
        constructor(engine) {
            super();
            this.name = 'websocket';
            this.engine = engine;
            this.writable = false;
            this.closed = false;
        }

        open() {
            const Ws = webSocketClass(this.engine.opts);
            if (!Ws) {
                this._fail(makeError('websocket error', { description: 'no WebSocket in this environment (pass opts.WebSocket)' }));
                return;
            }
            const url = transportUrl(this.engine, this.engine.secure ? 'wss:' : 'ws:', 'websocket');
            try {
                this.ws = new Ws(url);
            } catch (e) {
                this._fail(makeError('websocket error', { description: e.message }));
                return;
            }
            this.ws.binaryType = 'arraybuffer';
            this.ws.onopen = () => {
                this.writable = true;
                this._fire('open');
            };
            this.ws.onmessage = (ev) => {
                if (!this.closed)
                    this._fire('packet', decodeEio(ev.data));
            };
            this.ws.onerror = () => this._fail(makeError('websocket error', { description: 'the WebSocket failed' }));
            this.ws.onclose = (ev) => {
                if (this.closed)
                    return;
                this.closed = true;
                this.writable = false;
                this._fire('close', 'transport close', makeError('websocket closed', { description: 'code ' + ev.code, code: ev.code }));
            };
        }

        write(packets) {
            for (const p of packets)
                this.ws.send(encodeEio(p, false));
            this._fire('drain');
        }

        close() {
            if (this.closed)
                return;
            this.closed = true;
            this.writable = false;
            if (this.ws) {
                this.ws.onopen = this.ws.onmessage = this.ws.onerror = this.ws.onclose = null;
                this.ws.onerror = () => {}; // the ws package throws on unhandled errors
                try {
                    this.ws.close();
                } catch (e) {
                    // closing while connecting may throw in some implementations
                }
            }
        }

        _fail(err) {
            if (this.closed)
                return;
            this.close();
            this._fire('error', err);
        }
    }

    const TRANSPORTS = { polling: Polling, websocket: WebSocketTransport };

    // ---------------------------------------------------------------------------------------
    // Engine: one Engine.IO connection. readyState: opening, open, closing, closed.
    // Emits open, data (a message: string or ArrayBuffer), ping, upgrading, upgrade (the new
    // transport), drain, error (Error) and close (reason, detail).

    class Engine extends Emitter {
        constructor(secure, host, opts) {
            super();
            this.secure = secure;
            this.host = host;
            this.opts = opts;
            this.readyState = 'closed';
            this.id = null;
            this.transport = null;
            this.writeBuffer = [];
            this.upgrading = false;
            this.maxPayload = 0;
        }

        open() {
            const names = this.opts.transports.filter((n) => TRANSPORTS[n]);
            if (!names.length)
                throw new Error('no usable transport in ' + JSON.stringify(this.opts.transports));
            this.readyState = 'opening';
            this._use(new TRANSPORTS[names[0]](this));
            this.transport.open();
        }

        _use(transport) {
            if (this.transport)
                this.transport.off();
            this.transport = transport;
            transport.on('packet', (p) => this._onPacket(p));
            transport.on('drain', () => this._onDrain());
            transport.on('error', (err) => this._onClose('transport error', err));
            transport.on('close', (reason, detail) => this._onClose(reason, detail));
        }

        _onPacket(packet) {
            if (this.readyState === 'closed')
                return;
            switch (packet.type) {
            case 'open':
                this._onHandshake(packet.data);
                break;
            case 'ping':
                this._armPingTimer();
                this._send({ type: 'pong' });
                this._fire('ping');
                break;
            case 'message':
                this._fire('data', packet.data);
                break;
            case 'close':
                this._onClose('transport close', makeError('the server closed the connection'));
                break;
            case 'error':
                this._onClose('parse error', makeError(packet.data));
                break;
            default: // pong, noop, upgrade: nothing to do
                break;
            }
        }

        _onHandshake(text) {
            let h;
            try {
                h = JSON.parse(text);
            } catch (e) {
                h = null;
            }
            if (!h || typeof h.sid !== 'string') {
                this._onClose('parse error', makeError('bad open packet'));
                return;
            }
            this.id = h.sid;
            this.upgrades = Array.isArray(h.upgrades) ? h.upgrades : [];
            this.pingInterval = h.pingInterval;
            this.pingTimeout = h.pingTimeout;
            this.maxPayload = h.maxPayload || 0;
            this.readyState = 'open';
            this._armPingTimer();
            this._fire('open');
            this._flush();
            if (this.readyState === 'open' && this.transport.name === 'polling'
                && this.upgrades.indexOf('websocket') >= 0 && this.opts.transports.indexOf('websocket') >= 0)
                this._probe('websocket');
        }

        // Silence for pingInterval + pingTimeout means the server is gone.
        _armPingTimer() {
            clearTimeout(this._pingTimer);
            this._pingTimer = setTimeout(() => this._onClose('ping timeout'),
                                         this.pingInterval + this.pingTimeout);
        }

        // Upgrade: open the WebSocket with our sid, "2probe" → "3probe", pause polling (the
        // server answers the GET in flight), send "5" over the WebSocket and switch to it.
        _probe(name) {
            const probe = new TRANSPORTS[name](this);
            this._probing = probe;
            const fail = () => {
                if (this._probing !== probe)
                    return;
                this._probing = null;
                probe.off();
                probe.close();
                if (this.upgrading) {
                    this.upgrading = false;
                    if (this.readyState === 'open') {
                        this.transport.resume();
                        this._flush();
                    }
                }
                this._fire('upgradeError', name);
            };
            probe.on('open', () => probe.write([{ type: 'ping', data: 'probe' }]));
            probe.on('error', fail);
            probe.on('close', fail);
            probe.on('packet', (p) => {
                if (p.type !== 'pong' || p.data !== 'probe' || this.upgrading) {
                    fail();
                    return;
                }
                this.upgrading = true;
                this._fire('upgrading', probe);
                this.transport.pause(() => {
                    if (this._probing !== probe || this.readyState !== 'open')
                        return;
                    this._probing = null;
                    probe.off();
                    probe.write([{ type: 'upgrade' }]);
                    const old = this.transport;
                    this._use(probe);
                    old.close(false);
                    this.upgrading = false;
                    this._fire('upgrade', probe);
                    this._flush();
                });
            });
            probe.open();
        }

        // Sends messages (strings or binary) in order; those given together leave together
        // when the transport allows (one POST over polling).
        write(...messages) {
            this._send(...messages.map((data) => ({ type: 'message', data })));
        }

        _send(...packets) {
            if (this.readyState !== 'opening' && this.readyState !== 'open')
                return;
            this.writeBuffer.push(...packets);
            this._flush();
        }

        _flush() {
            if (this.readyState === 'closed' || this.readyState === 'opening' || this.upgrading
                || !this.transport.writable || !this.writeBuffer.length)
                return;
            const count = this._chunkSize();
            this.transport.write(this.writeBuffer.splice(0, count));
        }

        // Over polling one POST carries at most maxPayload bytes (at least one packet).
        _chunkSize() {
            if (this.transport.name !== 'polling' || !this.maxPayload)
                return this.writeBuffer.length;
            let bytes = 0;
            for (let i = 0; i < this.writeBuffer.length; ++i) {
                const d = this.writeBuffer[i].data;
                bytes += (typeof d === 'string' ? utf8Length(d) : d ? Math.ceil(d.byteLength / 3) * 4 : 0) + 2;
                if (i > 0 && bytes > this.maxPayload)
                    return i;
            }
            return this.writeBuffer.length;
        }

        _onDrain() {
            if (this.writeBuffer.length)
                this._flush();
            else
                this._fire('drain');
        }

        // A client-side close: what is already queued goes out first, then the close packet.
        close() {
            if (this.readyState === 'opening') {
                this._onClose('forced close');
                return;
            }
            if (this.readyState !== 'open')
                return;
            this.readyState = 'closing';
            if (this._probing) {
                const probe = this._probing;
                this._probing = null;
                probe.off();
                probe.close();
                if (this.upgrading) {
                    this.upgrading = false;
                    this.transport.resume();
                }
            }
            const finish = () => this._onClose('forced close');
            if (this.writeBuffer.length || !this.transport.writable) {
                this.on('drain', finish);
                this._flush();
            } else {
                finish();
            }
        }

        _onClose(reason, detail) {
            if (this.readyState === 'closed')
                return;
            const goodbye = reason === 'forced close' && this.readyState !== 'opening';
            this.readyState = 'closed';
            clearTimeout(this._pingTimer);
            if (this._probing) {
                this._probing.off();
                this._probing.close();
                this._probing = null;
            }
            this.upgrading = false;
            const t = this.transport;
            t.off();
            t.close(goodbye);
            this.writeBuffer = [];
            this.off('drain');
            this._fire('close', reason, detail);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Manager: owns the Engine.IO connection, decodes Socket.IO packets, reconnects, and
    // carries one Socket per namespace. readyState (_readyState): closed, opening, open.

    class Manager extends Emitter {
        constructor(uri, opts) {
            super();
            opts = opts || {};
            const target = parseUri(uri);
            this.uri = target.origin;
            this._secure = target.secure;
            this._host = target.host;
            this.opts = Object.assign({}, opts, {
                path: normalizePath(opts.path),
                transports: opts.transports || ['polling', 'websocket'],
                query: Object.assign(parseQuery(target.query), parseQuery(opts.query)),
            });
            this.nsps = {};
            this.engine = null;
            this._readyState = 'closed';
            this._reconnecting = false;
            this.skipReconnect = true;
            this._attempts = 0;
            this._reconnection = opts.reconnection !== false;
            this._maxAttempts = opts.reconnectionAttempts === undefined ? Infinity : opts.reconnectionAttempts;
            this._delay = opts.reconnectionDelay === undefined ? 1000 : opts.reconnectionDelay;
            this._delayMax = opts.reconnectionDelayMax === undefined ? 5000 : opts.reconnectionDelayMax;
            this._jitter = opts.randomizationFactor === undefined ? 0.5 : opts.randomizationFactor;
            this._timeout = opts.timeout === undefined ? 20000 : opts.timeout;
            this._autoConnect = opts.autoConnect !== false;
            const parser = opts.parser === undefined ? 'json' : opts.parser;
            if (parser !== 'json' && parser !== 'msgpack')
                throw new Error('the parser option is "json" or "msgpack", not ' + JSON.stringify(parser));
            this._msgpack = parser === 'msgpack';
            this.decoder = this._msgpack ? new MsgpackSioDecoder((packet) => this._fire('packet', packet))
                                         : new SioDecoder((packet) => this._fire('packet', packet));
            if (this._autoConnect)
                this.open();
        }

        reconnection(v) {
            if (v === undefined)
                return this._reconnection;
            this._reconnection = !!v;
            return this;
        }

        // Opens the Engine.IO connection; done(err) is called once it is open or has failed.
        open(done) {
            if (this._readyState === 'open' || this._readyState === 'opening') {
                if (done && this._readyState === 'open')
                    done();
                return this;
            }
            this._readyState = 'opening';
            this.skipReconnect = false;
            const engine = new Engine(this._secure, this._host, this.opts);
            this.engine = engine;
            let timer = null;
            const settle = (err) => {
                clearTimeout(timer);
                if (err) {
                    engine.off();
                    engine.close();
                    this._readyState = 'closed';
                    this._fire('error', err);
                    if (done)
                        done(err);
                    else
                        this._reconnectIfWanted();
                } else {
                    this._readyState = 'open';
                    this._fire('open');
                    if (done)
                        done();
                }
            };
            engine.on('open', () => {
                engine.off('open');
                engine.on('data', (d) => this._onData(d));
                engine.on('ping', () => this._fire('ping'));
                engine.on('close', (reason, detail) => this._onClose(reason, detail));
                settle(null);
            });
            engine.on('close', (reason, detail) => {
                if (this._readyState === 'opening')
                    settle(detail instanceof Error ? detail : makeError(reason));
            });
            if (this._timeout !== false) {
                timer = setTimeout(() => settle(makeError('timeout')), this._timeout);
            }
            try {
                engine.open();
            } catch (e) {
                settle(e);
            }
            return this;
        }

        connect(done) {
            return this.open(done);
        }

        socket(nsp, opts) {
            let socket = this.nsps[nsp];
            if (!socket) {
                socket = new Socket(this, nsp, opts || {});
                this.nsps[nsp] = socket;
            } else if (this._autoConnect && !socket.active) {
                socket.connect();
            }
            return socket;
        }

        _onData(data) {
            try {
                this.decoder.add(data);
            } catch (e) {
                this.engine._onClose('parse error', e);
            }
        }

        _packet(packet) {
            if (!this.engine)
                return;
            this.engine.write(...(this._msgpack ? encodeSioMsgpack(packet) : encodeSio(packet)));
        }

        // A socket left: the connection closes when no socket is active any more.
        _destroy() {
            for (const nsp of Object.keys(this.nsps)) {
                if (this.nsps[nsp].active)
                    return;
            }
            this._close();
        }

        _close() {
            this.skipReconnect = true;
            this._reconnecting = false;
            clearTimeout(this._reconnectTimer);
            this._attempts = 0;
            if (this.engine)
                this.engine.close();
            if (this._readyState === 'opening')
                this._readyState = 'closed';
        }

        disconnect() {
            this._close();
        }

        _onClose(reason, detail) {
            this.decoder.reset();
            if (this.engine)
                this.engine.off();
            this._readyState = 'closed';
            this._fire('close', reason, detail);
            this._reconnectIfWanted();
        }

        _reconnectIfWanted() {
            if (this._reconnection && !this.skipReconnect && !this._reconnecting)
                this._reconnect();
        }

        // Exponential backoff: delay · 2^attempt, spread by ± randomizationFactor, capped.
        _backoff() {
            let ms = this._delay * Math.pow(2, this._attempts++);
            if (this._jitter)
                ms += ms * this._jitter * (Math.random() * 2 - 1);
            return Math.max(0, Math.min(Math.floor(ms), this._delayMax));
        }

        _reconnect() {
            if (this.skipReconnect)
                return;
            if (this._attempts >= this._maxAttempts) {
                this._attempts = 0;
                this._reconnecting = false;
                this._fire('reconnect_failed');
                return;
            }
            this._reconnecting = true;
            this._reconnectTimer = setTimeout(() => {
                if (this.skipReconnect)
                    return;
                const attempt = this._attempts;
                this._fire('reconnect_attempt', attempt);
                if (this.skipReconnect)
                    return;
                this.open((err) => {
                    if (err) {
                        this._reconnecting = false;
                        this._fire('reconnect_error', err);
                        this._reconnect();
                    } else {
                        this._attempts = 0;
                        this._reconnecting = false;
                        this._fire('reconnect', attempt);
                    }
                });
            }, this._backoff());
        }
    }

    function normalizePath(p) {
        p = p || '/socket.io/';
        if (p[0] !== '/')
            p = '/' + p;
        return p.replace(/\/+$/, '') + '/';
    }

    // → { origin, secure, host, nsp, query }
    function parseUri(uri) {
        const loc = typeof location !== 'undefined' && location && location.protocol ? location : null;
        if (uri === undefined || uri === null || uri === '')
            uri = loc ? loc.protocol + '//' + loc.host : 'http://localhost';
        uri = String(uri);
        if (uri.startsWith('//'))
            uri = (loc && loc.protocol === 'https:' ? 'https:' : 'http:') + uri;
        else if (uri[0] === '/') {
            if (!loc)
                throw new Error('a relative URL ("' + uri + '") needs a page to be relative to');
            uri = loc.protocol + '//' + loc.host + uri;
        } else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(uri))
            uri = (loc && loc.protocol === 'https:' ? 'https://' : 'http://') + uri;
        const u = new URL(uri);
        const scheme = { 'http:': 'http:', 'ws:': 'http:', 'https:': 'https:', 'wss:': 'https:' }[u.protocol];
        if (!scheme)
            throw new Error('unsupported URL scheme "' + u.protocol + '" (use http, https, ws or wss)');
        let nsp = decodeURIComponent(u.pathname || '/');
        if (nsp.length > 1)
            nsp = nsp.replace(/\/+$/, '');
        return {
            origin: scheme + '//' + u.host,
            secure: scheme === 'https:',
            host: u.host,
            nsp: nsp || '/',
            query: u.search,
        };
    }

    // ---------------------------------------------------------------------------------------
    // Socket: one namespace over a Manager's connection.

    const RESERVED = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener',
                      'removeListener'];

    class Socket extends Emitter {
        constructor(manager, nsp, opts) {
            super();
            this.io = manager;
            this.nsp = nsp;
            this.id = undefined;
            this.connected = false;
            this.recovered = false;
            this.auth = opts.auth;
            this.sendBuffer = [];
            this.receiveBuffer = [];
            this.flags = {};
            this._opts = opts;
            this._ackId = 0;
            this._acks = new Map();
            this._any = [];
            this._anyOutgoing = [];
            this._subs = null;
            this._blobQueue = null;
            this._blobPending = 0;
            if (manager._autoConnect)
                this.open();
        }

        get disconnected() {
            return !this.connected;
        }

        get active() {
            return !!this._subs;
        }

        connect() {
            if (this.connected)
                return this;
            if (!this._subs) {
                this._subs = [
                    this.io._sub('open', () => this._onOpen()),
                    this.io._sub('packet', (p) => this._onPacket(p)),
                    this.io._sub('error', (err) => { if (!this.connected) this._fire('connect_error', err); }),
                    this.io._sub('close', (reason, detail) => this._onClose(reason, detail)),
                ];
            }
            if (!this.io._reconnecting)
                this.io.open();
            if (this.io._readyState === 'open')
                this._onOpen();
            return this;
        }

        open() {
            return this.connect();
        }

        disconnect() {
            if (this.connected)
                this._packet({ type: DISCONNECT });
            this._unsubscribe();
            if (this.connected)
                this._onClose('io client disconnect');
            return this;
        }

        close() {
            return this.disconnect();
        }

        _unsubscribe() {
            if (!this._subs)
                return;
            for (const unsub of this._subs)
                unsub();
            this._subs = null;
            this.io._destroy(this);
        }

        // The connection is open: ask to join the namespace, with the auth payload.
        _onOpen() {
            const send = (auth) => this._packet({ type: CONNECT, data: auth === null ? undefined : auth });
            if (typeof this.auth === 'function')
                this.auth((data) => send(data));
            else
                send(this.auth);
        }

        _onPacket(packet) {
            if (packet.nsp !== this.nsp)
                return;
            switch (packet.type) {
            case CONNECT:
                if (packet.data && typeof packet.data.sid === 'string')
                    this._onConnect(packet.data.sid);
                else
                    this._fire('connect_error', makeError('the server answered CONNECT without a sid'));
                break;
            case EVENT:
                this._onEvent(packet);
                break;
            case ACK:
                this._onAck(packet);
                break;
            case DISCONNECT:
                this._unsubscribe();
                this._onClose('io server disconnect');
                break;
            case CONNECT_ERROR: {
                this._unsubscribe();
                const d = packet.data;
                const err = makeError(typeof d === 'string' ? d : (d && d.message) || 'connect error');
                if (d && typeof d === 'object' && 'data' in d)
                    err.data = d.data;
                this._fire('connect_error', err);
                break;
            }
            default:
                break;
            }
        }

        _onConnect(id) {
            this.id = id;
            this.connected = true;
            for (const args of this.receiveBuffer.splice(0))
                this._dispatch(args);
            for (const packet of this.sendBuffer.splice(0))
                this._send(packet);
            this._fire('connect');
        }

        _onEvent(packet) {
            const args = packet.data.slice();
            if (packet.id !== undefined)
                args.push(this._replier(packet.id));
            if (this.connected)
                this._dispatch(args);
            else
                this.receiveBuffer.push(args);
        }

        _dispatch(args) {
            for (const fn of this._any.slice()) {
                try {
                    fn.apply(this, args);
                } catch (e) {
                    setTimeout(() => { throw e; });
                }
            }
            this._fire.apply(this, args);
        }

        // The function handed to a listener when the server asked for an ack: answers once.
        _replier(id) {
            let sent = false;
            return (...args) => {
                if (sent)
                    return;
                sent = true;
                this._packet({ type: ACK, id, data: args });
            };
        }

        _onAck(packet) {
            const fn = this._acks.get(packet.id);
            if (!fn)
                return;
            this._acks.delete(packet.id);
            fn.apply(this, packet.data);
        }

        _onClose(reason, detail) {
            if (!this.connected)
                return;
            this.connected = false;
            this.id = undefined;
            this._fire('disconnect', reason === 'forced close' ? 'io client disconnect' : reason, detail);
            // Acks that promised an error on failure get it now; the others are forgotten.
            for (const [id, fn] of Array.from(this._acks)) {
                if (fn.withError) {
                    this._acks.delete(id);
                    fn.fail(makeError('socket has been disconnected'));
                }
            }
        }

        emit(event, ...args) {
            if (RESERVED.indexOf(event) >= 0)
                throw new Error('"' + event + '" is a reserved event name');
            args.unshift(event);
            const packet = { type: EVENT, data: args };
            if (typeof args[args.length - 1] === 'function') {
                const id = this._ackId++;
                this._registerAck(id, args.pop());
                packet.id = id;
            }
            this.flags = {};
            if (this.connected)
                this._send(packet);
            else
                this.sendBuffer.push(packet);
            return this;
        }

        send(...args) {
            return this.emit('message', ...args);
        }

        _registerAck(id, callback) {
            const timeout = this.flags.timeout !== undefined ? this.flags.timeout : this._opts.ackTimeout;
            if (timeout === undefined) {
                this._acks.set(id, callback);
                return;
            }
            const timer = setTimeout(() => {
                this._acks.delete(id);
                this.sendBuffer = this.sendBuffer.filter((p) => p.id !== id);
                callback.call(this, makeError('operation has timed out'));
            }, timeout);
            const fn = (...args) => {
                clearTimeout(timer);
                callback.call(this, null, ...args);
            };
            fn.withError = true;
            fn.fail = (err) => {
                clearTimeout(timer);
                callback.call(this, err);
            };
            this._acks.set(id, fn);
        }

        timeout(ms) {
            this.flags.timeout = ms;
            return this;
        }

        emitWithAck(event, ...args) {
            const withError = this.flags.timeout !== undefined || this._opts.ackTimeout !== undefined;
            return new Promise((resolve, reject) => {
                args.push((a, b) => {
                    if (!withError)
                        resolve(a);
                    else if (a)
                        reject(a);
                    else
                        resolve(b);
                });
                this.emit(event, ...args);
            });
        }

        _send(packet) {
            if (packet.type === EVENT) {
                for (const fn of this._anyOutgoing.slice())
                    fn.apply(this, packet.data);
            }
            this._packet(packet);
        }

        // Blobs are read first; packets after one wait their turn so the order is kept.
        _packet(packet) {
            packet.nsp = this.nsp;
            if (!this._blobPending && !hasBlob(packet.data)) {
                this.io._packet(packet);
                return;
            }
            ++this._blobPending;
            this._blobQueue = (this._blobQueue || Promise.resolve())
                .then(() => readBlobs(packet.data))
                .then((data) => {
                    packet.data = data;
                    this.io._packet(packet);
                }, (err) => this._fire('error', err))
                .then(() => { --this._blobPending; });
        }

        onAny(fn) {
            this._any.push(fn);
            return this;
        }

        prependAny(fn) {
            this._any.unshift(fn);
            return this;
        }

        offAny(fn) {
            this._any = fn ? this._any.filter((f) => f !== fn) : [];
            return this;
        }

        listenersAny() {
            return this._any.slice();
        }

        onAnyOutgoing(fn) {
            this._anyOutgoing.push(fn);
            return this;
        }

        prependAnyOutgoing(fn) {
            this._anyOutgoing.unshift(fn);
            return this;
        }

        offAnyOutgoing(fn) {
            this._anyOutgoing = fn ? this._anyOutgoing.filter((f) => f !== fn) : [];
            return this;
        }

        listenersAnyOutgoing() {
            return this._anyOutgoing.slice();
        }
    }

    // ---------------------------------------------------------------------------------------
    // io(): one Manager per origin and path, shared unless told otherwise.

    const managers = {};

    function io(uri, opts) {
        if (uri !== null && typeof uri === 'object' && !(typeof URL === 'function' && uri instanceof URL)) {
            opts = uri;
            uri = undefined;
        }
        opts = opts || {};
        const target = parseUri(uri === undefined ? uri : String(uri));
        // JSON and msgpack sockets never share a connection: a connection speaks one format.
        const key = target.origin + normalizePath(opts.path) + (opts.parser === 'msgpack' ? ' msgpack' : '');
        const cached = managers[key];
        const fresh = opts.forceNew || opts['force new connection'] || opts.multiplex === false
            || (cached && cached.nsps[target.nsp]);
        let manager;
        if (fresh) {
            manager = new Manager(uri, opts);
        } else {
            manager = cached || (managers[key] = new Manager(uri, opts));
        }
        return manager.socket(target.nsp, opts);
    }

    io.connect = io;
    io.io = io;
    io.protocol = 5;
    io.Manager = Manager;
    io.Socket = Socket;
    // The msgpack codec, for tests (not an API).
    io._msgpack = { encode: encodeMsgpack, decode: decodeMsgpack };
    return io;
});
