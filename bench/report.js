// Reads the JSON lines of bench/run.sh and prints the markdown table: medians per server, and
// the ratios paired within each round (Sockscope's figure over Node's from the same round),
// then their median, against the goals of the performance issue. When the results hold the
// server "baseline" (run.sh --baseline-bin: another sockscope build), the table gets its column
// and the paired ratio Sockscope / baseline with the range of the rounds' ratios, so that a
// change can be told from the run-to-run noise. The server "sockscope-logall" (Sockscope with
// `--log all` to a file) gets rows of its own, paired with Node and with "sockscope" (`--log
// none`) in each round; echo-msgpack (the echo over the msgpack parser, binary arguments) gets
// rows of its own against Node with the msgpack parser; the scenarios slow and slow0 (stalled readers and a broadcast flood,
// and the same without the stalled readers) get goal rows and a table of their own.
// Usage: node bench/report.js results.jsonl [--elapsed S] [--load-before L] [--load-after L]
//        [--command C] [--sockscope-log L] [--link K] [--threads N] [--anchor TEXT]
//        [--baseline TEXT]
'use strict';
const fs = require('fs');
const os = require('os');
const { execSync } = require('child_process');

const argv = process.argv.slice(2);
const file = argv[0];
const opt = {};
for (let i = 1; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];

const rows = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const get = (scenario, server, round) =>
  rows.find((r) => r.scenario === scenario && r.server === server && r.round === round);
const rounds = [...new Set(rows.map((r) => r.round))].sort((a, b) => a - b);

// metric(result) for each row of the goals table
const idleStep = (n) => (r) => {
  const s = (r.steps || []).find((x) => x.connections === n);
  return s ? s.bytes_per_connection / 1024 : NaN;
};
const metrics = [
  { scenario: 'echo', name: 'echo with ack: acks/s', f: (r) => r.rate, goal: '≥ 4× Node', ok: (x) => x >= 4, fmt: 'rate' },
  { scenario: 'echo', name: 'echo with ack: p99 ms', f: (r) => r.p99_ms, goal: '≤ 0.5× Node', ok: (x) => x <= 0.5, fmt: 'ms' },
  { scenario: 'echo', name: 'echo with ack: median ms', f: (r) => r.p50_ms, goal: '', fmt: 'ms' },
  { scenario: 'fanout200', name: 'fan-out to 200: deliveries/s', f: (r) => r.deliveries_per_s, goal: '≥ 3× Node', ok: (x) => x >= 3, fmt: 'rate' },
  { scenario: 'fanout1000', name: 'fan-out to 1,000: deliveries/s', f: (r) => r.deliveries_per_s, goal: '≥ 3× Node', ok: (x) => x >= 3, fmt: 'rate' },
  { scenario: 'connrate', name: 'handshakes/s (32 at a time)', f: (r) => r.rate, goal: '≥ 3× Node', ok: (x) => x >= 3, fmt: 'rate' },
  { scenario: 'idle', name: 'idle 2,000: KiB per connection', f: idleStep(2000), goal: '< Node, ≤ bare + 2 KiB', ok: (x) => x < 1, idle: true, fmt: 'kib' },
  { scenario: 'idle', name: 'idle 10,000: KiB per connection', f: idleStep(10000), goal: '< Node, ≤ bare + 2 KiB', ok: (x) => x < 1, idle: true, fmt: 'kib' },
  { scenario: 'polling', name: 'long-polling echo: acks/s', f: (r) => r.rate, goal: '≥ 2× Node', ok: (x) => x >= 2, fmt: 'rate' },
  // The echo over the msgpack parser, a 1 KiB binary blob in the argument (Node with
  // socket.io-msgpack-parser; the bare echo speaks JSON only).
  { scenario: 'echo-msgpack', name: 'echo with ack, msgpack (binary args): acks/s', f: (r) => r.rate, goal: '≥ 4× Node', ok: (x) => x >= 4, fmt: 'rate' },
  { scenario: 'echo-msgpack', name: 'echo with ack, msgpack (binary args): p99 ms', f: (r) => r.p99_ms, goal: '', fmt: 'ms' },
  // Rows for sockscope-logall (in the Sockscope column), printed when it ran.
  { scenario: 'echo', a: 'sockscope-logall', name: 'echo with ack, `--log all` to a file: acks/s', f: (r) => r.rate, goal: '≥ 4× Node', ok: (x) => x >= 4, fmt: 'rate' },
  { scenario: 'echo', a: 'sockscope-logall', name: 'echo with ack, `--log all` to a file: p99 ms', f: (r) => r.p99_ms, goal: '', fmt: 'ms' },
  { scenario: 'fanout200', a: 'sockscope-logall', name: 'fan-out to 200, `--log all`: deliveries/s', f: (r) => r.deliveries_per_s, goal: '≥ 3× Node', ok: (x) => x >= 3, fmt: 'rate' },
  { scenario: 'fanout1000', a: 'sockscope-logall', name: 'fan-out to 1,000, `--log all`: deliveries/s', f: (r) => r.deliveries_per_s, goal: '≥ 3× Node', ok: (x) => x >= 3, fmt: 'rate' },
];
// The slow scenario: the server's peak RSS against an absolute goal, and the well-behaved
// client's ack p99 against its own figure without the stalled readers (slow0).
const MB = (kib) => kib * 1024 / 1e6;
const slowPeak = { scenario: 'slow', name: '5 stalled readers + 64 KiB broadcast flood: server peak RSS MB', f: (r) => MB(r.peak_rss_kib), fmt: 'mb' };
const slowP99 = { scenario: 'slow', f: (r) => r.p99_ms, fmt: 'ms' };
const calmP99 = { scenario: 'slow0', f: (r) => r.p99_ms, fmt: 'ms' };

const fmt = (x, kind) => {
  if (!Number.isFinite(x)) return '—';
  if (kind === 'rate') return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
  if (kind === 'ms') return x.toFixed(x < 10 ? 2 : 1);
  if (kind === 'kib') return x.toFixed(1);
  if (kind === 'mb') return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
  if (kind === 'ratio') return x.toFixed(2) + '×';
  if (kind === 'pct') return Math.round(x) + ' %';
  return String(x);
};

const valueOf = (m, server, round) => {
  const row = get(m.scenario, server, round);
  if (!row || !row.result || row.result.failed) return NaN;
  return m.f(row.result);
};
const pairedRatio = (m, a, b) => median(rounds.map((r) => valueOf(m, a, r) / valueOf(m, b, r)));
// The same server in two scenarios (metrics m and n), paired within each round.
const pairedAcross = (m, n, server) => median(rounds.map((r) => valueOf(m, server, r) / valueOf(n, server, r)));
const ran = (scenario, server) => rows.some((r) => r.scenario === scenario && r.server === server);
const pairedRange = (m, a, b) => {
  const v = rounds.map((r) => valueOf(m, a, r) / valueOf(m, b, r)).filter((x) => Number.isFinite(x));
  return v.length ? [Math.min(...v), Math.max(...v)] : null;
};
const ratioWithRange = (m, a, b) => {
  const range = pairedRange(m, a, b);
  const ratio = fmt(pairedRatio(m, a, b), 'ratio');
  return range && range[0] !== range[1] ? `${ratio} (${range[0].toFixed(2)}–${range[1].toFixed(2)})` : ratio;
};
const pairedDiff = (m, a, b) => median(rounds.map((r) => valueOf(m, a, r) - valueOf(m, b, r)));

let cpuModel = '';
try {
  cpuModel = execSync("grep -m1 'model name' /proc/cpuinfo", { encoding: 'utf8' }).split(':')[1].trim();
} catch (e) { cpuModel = os.cpus()[0] ? os.cpus()[0].model : '?'; }
let qtVersion = '?';
try { qtVersion = execSync('dpkg-query -W -f=\'${Version}\' libqt6core6 2>/dev/null', { encoding: 'utf8' }) || '?'; } catch (e) { /* not Debian */ }
const memGiB = (os.totalmem() / 2 ** 30).toFixed(0);
// The Node anchor as bench/node_server.js --check found it, else as installed.
let anchor = opt.anchor;
if (!anchor) {
  const version = (name) => {
    try { return require(`../node_modules/${name}/package.json`).version; } catch (e) { return null; }
  };
  anchor = `socket.io ${version('socket.io') || '?'}` +
    (version('bufferutil') ? ` with bufferutil ${version('bufferutil')} + utf-8-validate ${version('utf-8-validate')} (not checked)` : ' (untuned)');
}
const hasBaseline = rows.some((r) => r.server === 'baseline');
const hasLogAll = rows.some((r) => r.server === 'sockscope-logall');
const hasSlow = rows.some((r) => r.scenario === 'slow');

const out = [];
out.push(`Machine: ${os.cpus().length} cores (nproc), ${cpuModel}, ${memGiB} GiB, Linux ${os.release()}; ` +
  `Qt ${qtVersion}, Node.js ${process.version}. Node anchor: ${anchor}. ` +
  `Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`);
if (hasBaseline) out.push(`Baseline: ${opt.baseline || 'a second sockscope binary'}, in the same rounds.`);
out.push(`Command: \`${opt.command || 'bash bench/run.sh'}\` (${rounds.length} rounds` +
  (opt.elapsed ? `, ${Math.round(opt.elapsed / 60 * 10) / 10} min` : '') + `; Sockscope with \`--log ${opt['sockscope-log'] || 'none'}\`` +
  (hasLogAll ? ' and, as sockscope-logall, with `--log all` to a file' : '') + '; ' +
  `generator: ${opt.threads || 1} thread(s), ${opt.link || 'lean'} WebSocket client). ` +
  `Load average before/after: ${opt['load-before'] || '?'} / ${opt['load-after'] || '?'}.`);
out.push('');
// With a baseline: two more columns, its median and Sockscope / baseline (paired median, and
// the lowest and highest round).
const bHead = hasBaseline ? ' baseline | Sockscope / baseline (paired median, rounds) |' : '';
const bRule = hasBaseline ? ' ---: | ---: |' : '';
const bCells = (m, a = 'sockscope', b = 'baseline') => (hasBaseline
  ? ` ${fmt(median(rounds.map((r) => valueOf(m, b, r))), m.fmt)} | ${ratioWithRange(m, a, b)} |` : '');
out.push(`| scenario | Sockscope | Node.js | bare Qt |${bHead} Sockscope / Node (paired median) | goal | met |`);
out.push(`| --- | ---: | ---: | ---: |${bRule} ---: | --- | --- |`);
const bBlank = hasBaseline ? ' | |' : '';
for (const m of metrics) {
  const a = m.a || 'sockscope';
  // Rows of scenarios this run left out (e.g. --scenarios slow,echo) would be dashes only.
  if (!rows.some((r) => r.scenario === m.scenario) || (m.a && !ran(m.scenario, a))) continue;
  const s = median(rounds.map((r) => valueOf(m, a, r)));
  const n = median(rounds.map((r) => valueOf(m, 'node', r)));
  const b = m.a ? NaN : median(rounds.map((r) => valueOf(m, 'bare', r)));
  const ratio = pairedRatio(m, a, 'node');
  let met = '';
  if (m.idle) {
    const overBare = pairedDiff(m, 'sockscope', 'bare');
    const belowNode = Number.isFinite(ratio) && ratio < 1;
    const nearBare = Number.isFinite(overBare) && overBare <= 2;
    met = (belowNode && nearBare ? 'yes' : 'no') +
      ` (${belowNode ? 'below' : 'above'} Node; ${Number.isFinite(overBare) ? (overBare >= 0 ? '+' : '') + overBare.toFixed(1) + ' KiB vs bare' : 'no bare figure'})`;
  } else if (m.ok) {
    met = Number.isFinite(ratio) ? (m.ok(ratio) ? 'yes' : 'no') : '—';
  }
  out.push(`| ${m.name} | ${fmt(s, m.fmt)} | ${fmt(n, m.fmt)} | ${fmt(b, m.fmt)} |${m.a ? bBlank : bCells(m)} ${fmt(ratio, 'ratio')} | ${m.goal} | ${met} |`);
}
if (hasLogAll) {
  // --log all against --log none, paired within each round.
  const logRows = [
    [metrics[0], 'echo with ack: `--log all` / `--log none` acks/s', '≥ 0.50× `--log none`', (x) => x >= 0.5],
    [metrics[3], 'fan-out to 200: `--log all` / `--log none` deliveries/s', '', null],
    [metrics[4], 'fan-out to 1,000: `--log all` / `--log none` deliveries/s', '', null],
  ];
  for (const [m, name, goal, ok] of logRows) {
    if (!ran(m.scenario, 'sockscope-logall')) continue;
    const ratio = pairedRatio(m, 'sockscope-logall', 'sockscope');
    const met = ok ? (Number.isFinite(ratio) ? (ok(ratio) ? 'yes' : 'no') : '—') : '';
    out.push(`| ${name} | | | |${bBlank} ${fmt(ratio, 'ratio')} of \`--log none\` | ${goal} | ${met} |`);
  }
}
if (hasSlow) {
  const s = median(rounds.map((r) => valueOf(slowPeak, 'sockscope', r)));
  const n = median(rounds.map((r) => valueOf(slowPeak, 'node', r)));
  const capped = (server) => rows.filter((r) => r.scenario === 'slow' && r.server === server && r.result && r.result.rss_cap_hit).length;
  const capNote = ['sockscope', 'node'].filter((x) => capped(x)).map((x) => `${x}: RSS cap hit in ${capped(x)} of ${rounds.length}`).join('; ');
  const bPeak = hasBaseline && ran('slow', 'baseline') ? bCells(slowPeak) : bBlank;
  out.push(`| ${slowPeak.name} | ${fmt(s, 'mb')} | ${fmt(n, 'mb')} | — |${bPeak} ${fmt(pairedRatio(slowPeak, 'sockscope', 'node'), 'ratio')} | < 150 MB (Node: 1.7 GB) | ` +
    `${Number.isFinite(s) ? (s < 150 ? 'yes' : 'no') : '—'}${capNote ? ` (${capNote})` : ''} |`);
  // Each server's p99 with the stalled readers over its p99 without them, paired by round.
  const sr = pairedAcross(slowP99, calmP99, 'sockscope');
  const nr = pairedAcross(slowP99, calmP99, 'node');
  const br = hasBaseline && ran('slow', 'baseline') ? ` ${fmt(pairedAcross(slowP99, calmP99, 'baseline'), 'ratio')} | |` : bBlank;
  out.push(`| stalled readers: well-behaved ack p99, with / without them | ${fmt(sr, 'ratio')} | ${fmt(nr, 'ratio')} | — |${br} | ≤ 2× | ` +
    `${Number.isFinite(sr) ? (sr <= 2 ? 'yes' : 'no') : '—'} |`);
}
{
  const m = metrics[0];
  const ratio = pairedRatio(m, 'sockscope', 'bare');
  const baselineOverBare = hasBaseline ? ` ${fmt(pairedRatio(m, 'baseline', 'bare'), 'ratio')} of bare | |` : '';
  if (ran('echo', 'bare')) out.push(`| overhead: echo acks/s vs the bare stack | | | |${baselineOverBare} ${fmt(ratio, 'ratio')} of bare | ≥ 0.70× bare | ${Number.isFinite(ratio) ? (ratio >= 0.7 ? 'yes' : 'no') : '—'} |`);
  if (rows.some((r) => r.server === 'monitor')) {
    const withMonitor = median(rounds.map((r) => valueOf(m, 'monitor', r)));
    const vsHeadless = pairedRatio(m, 'monitor', 'sockscope');
    const baselineMonitor = hasBaseline && rows.some((r) => r.server === 'baseline-monitor')
      ? bCells(m, 'monitor', 'baseline-monitor') : (hasBaseline ? ' | |' : '');
    out.push(`| echo with the monitor window attached: acks/s | ${fmt(withMonitor, 'rate')} | | |${baselineMonitor} ${fmt(vsHeadless, 'ratio')} of headless | ≥ 0.80× headless | ${Number.isFinite(vsHeadless) ? (vsHeadless >= 0.8 ? 'yes' : 'no') : '—'} |`);
    if (rows.some((r) => r.server === 'baseline-monitor')) {
      const b = pairedRatio(m, 'baseline-monitor', 'baseline');
      out.push(`| baseline: echo with its monitor window attached | | | | ${fmt(median(rounds.map((r) => valueOf(m, 'baseline-monitor', r))), 'rate')} | | ${fmt(b, 'ratio')} of baseline headless | ≥ 0.80× headless | ${Number.isFinite(b) ? (b >= 0.8 ? 'yes' : 'no') : '—'} |`);
    }
  }
}
if (hasBaseline) {
  // Each round's ratio, so that a drop can be told from the noise and pinned to its rounds.
  out.push('');
  out.push('Sockscope / baseline in each round (round: ratio):');
  out.push('');
  const perRound = (m, a, b) => rounds.map((r) => `${r}: ${fmt(valueOf(m, a, r) / valueOf(m, b, r), 'ratio')}`).join(', ');
  for (const m of metrics) {
    if (!rounds.some((r) => Number.isFinite(valueOf(m, 'sockscope', r) / valueOf(m, 'baseline', r)))) continue;
    out.push(`- ${m.name}: ${perRound(m, 'sockscope', 'baseline')}`);
  }
  if (rows.some((r) => r.server === 'baseline-monitor')) {
    out.push(`- echo with the monitor window attached: ${perRound(metrics[0], 'monitor', 'baseline-monitor')}`);
    out.push(`- monitor / headless, this build: ${perRound(metrics[0], 'monitor', 'sockscope')}; ` +
      `the baseline: ${perRound(metrics[0], 'baseline-monitor', 'baseline')}`);
  }
}
if (hasSlow) {
  out.push('');
  out.push('Stalled readers (slow: 5 stalled readers with a 4 KiB SO_RCVBUF; slow0: none), a 64 KiB broadcast flood, ' +
    'one well-behaved client with an ack in flight (medians over the rounds). Peak RSS is read every 100 ms from the ' +
    "flood's start; the flood stops early when it passes the cap. Closed: the stalled connections whose server end " +
    'left ESTABLISHED during the run (/proc/net/tcp): the TCP close, which a WebSocket close handshake delays.');
  out.push('');
  out.push('| scenario | server | peak RSS MB | RSS cap hit | flood s | broadcasts sent | acks | ack p50 ms | ack p99 ms | stalled closed |');
  out.push('| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const scenario of ['slow0', 'slow']) {
    for (const server of ['sockscope', 'node', 'baseline']) {
      const rs = rows.filter((r) => r.scenario === scenario && r.server === server && r.result && !r.result.failed).map((r) => r.result);
      if (!rs.length) continue;
      const med = (f) => median(rs.map(f));
      const capHits = rs.filter((x) => x.rss_cap_hit);
      const cap = capHits.length
        ? `${capHits.length} of ${rs.length} (after ${fmt(median(capHits.map((x) => x.rss_cap_after_s)), 'ms')} s)` : 'no';
      out.push(`| ${scenario} | ${server} | ${fmt(med((x) => MB(x.peak_rss_kib)), 'mb')} | ${cap} | ` +
        `${med((x) => x.flood_seconds).toFixed(1)} | ${fmt(med((x) => x.broadcasts_sent), 'rate')} | ${fmt(med((x) => x.ops), 'rate')} | ` +
        `${fmt(med((x) => x.p50_ms), 'ms')} | ${fmt(med((x) => x.p99_ms), 'ms')} | ` +
        `${scenario === 'slow' ? `${med((x) => x.stalled_closed)} of ${med((x) => x.slow_clients)}` : '—'} |`);
    }
  }
}
if (hasLogAll) {
  out.push('');
  const logged = [...new Set(rows.filter((r) => r.server === 'sockscope-logall').map((r) => r.scenario))].map((scenario) => {
    const rs = rows.filter((r) => r.server === 'sockscope-logall' && r.scenario === scenario && Number.isFinite(r.log_lines));
    return `${scenario} ${fmt(median(rs.map((r) => r.log_lines)), 'rate')} lines (${fmt(median(rs.map((r) => r.log_bytes / 1e6)), 'mb')} MB)`;
  });
  out.push(`\`--log all\` wrote, per run (median, warm-up and start-up included): ${logged.join('; ')}.`);
}
out.push('');
out.push('CPU during the measured seconds (medians; % of one core): server, load generator, and everything else on the machine. ' +
  'A generator near 100 % per thread would be the bottleneck (marked *saturated*).');
out.push('');
out.push('| scenario | server | server CPU | generator CPU | other CPU | generator saturated |');
out.push('| --- | --- | ---: | ---: | ---: | --- |');
const servers = ['sockscope', 'sockscope-logall', 'node', 'bare', 'monitor', 'baseline', 'baseline-monitor'];
for (const scenario of [...new Set(rows.map((r) => r.scenario))]) {
  if (scenario === 'idle') continue;
  for (const server of servers) {
    const rs = rows.filter((r) => r.scenario === scenario && r.server === server && r.result && !r.result.failed);
    if (!rs.length) continue;
    const sat = rs.filter((r) => r.result.gen_saturated).length;
    out.push(`| ${scenario} | ${server} | ${fmt(median(rs.map((r) => r.result.server_cpu_pct)), 'pct')} | ` +
      `${fmt(median(rs.map((r) => r.result.gen_cpu_pct)), 'pct')} | ${fmt(median(rs.map((r) => r.result.other_cpu_pct)), 'pct')} | ` +
      `${sat ? `saturated in ${sat} of ${rs.length}` : 'no'} |`);
  }
}
const failed = rows.filter((r) => !r.result || r.result.failed || r.result.errors > 0 || r.result.bad_replies > 0);
if (failed.length) {
  out.push('');
  out.push('Runs with errors: ' + failed.map((r) => `round ${r.round} ${r.scenario} ${r.server}: ` +
    (r.result.failed || r.result.first_error || `${r.result.errors} errors, ${r.result.bad_replies} bad replies`)).join('; '));
}
console.log(out.join('\n'));
