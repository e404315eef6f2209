// End-to-end test of the replay and live views against real `gossip`
// processes: the lab loads the --events files of real nodes and shows the
// delivery counts `gossip analyze` computes from them; a live cluster
// reporting to `gossip observe` shows the same counts as it runs. Prints the
// replay's load time and frame rate on a simulator trace of about a million
// records, and the live view's delay from a delivery to its dot changing
// colour with 50 nodes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ROOT, launch, serve } from './harness.mjs';

const GOSSIP = process.env.GOSSIP_BIN ?? join(ROOT, 'target', 'release', 'gossip');
const run = promisify(execFile);
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** A free TCP (or UDP, by habit the same range) port on loopback. */
function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Complete JSON lines of an events file. */
async function lines(path) {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').slice(0, -1).flatMap((l) => {
    try {
      return [JSON.parse(l)];
    } catch {
      return [];
    }
  });
}

async function until(what, ms, pred) {
  const end = Date.now() + ms;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Real nodes on loopback: node 0 is the seed, the others join it. */
async function startNodes(dir, n, extra = []) {
  const base = await freePort();
  const procs = [];
  for (let i = 0; i < n; i++) {
    const args = ['--port', String(base + i), '--events', join(dir, `node${i}.jsonl`),
      '--ping-interval', '0.5', '--peer-timeout', '10', ...extra];
    if (i > 0) args.push('--bootstrap', `127.0.0.1:${base}`);
    const p = spawn(GOSSIP, args, { stdio: ['pipe', 'ignore', 'ignore'] });
    procs.push(p);
  }
  const files = procs.map((_, i) => join(dir, `node${i}.jsonl`));
  await until('the overlay', 30_000, async () => {
    const all = await Promise.all(files.map(lines));
    return all.every((ls) => ls.filter((l) => l.event === 'peer_added').length >= 2);
  });
  return { procs, files };
}

async function stopAll(procs) {
  await Promise.all(procs.map((p) => new Promise((ok) => {
    if (p.exitCode !== null) return ok();
    p.once('exit', ok);
    p.kill('SIGTERM');
  })));
}

/** `gossip analyze --json` of `paths`: delivered count by gossip id. */
async function analyze(paths) {
  const { stdout } = await run(GOSSIP, ['analyze', '--json', ...paths], { maxBuffer: 1 << 26 });
  const doc = JSON.parse(stdout);
  return Object.fromEntries(doc.gossips.map((g) => [g.report.id, g.report.delivered]));
}

/** Delivered count by gossip id, as the view's gossip list shows it. */
const shown = (page) =>
  page.$$eval('#replay-gossips li', (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.id, Number(r.dataset.delivered)])));

/** Frame intervals (ms) over `ms` of animation frames. */
const frameGaps = (page, ms) =>
  page.evaluate((ms) => new Promise((done) => {
    const ts = [];
    const tick = (t) => {
      ts.push(t);
      if (t - ts[0] < ms) requestAnimationFrame(tick);
      else done(ts.slice(1).map((t, i) => t - ts[i]));
    };
    requestAnimationFrame(tick);
  }), ms);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(s.length * q) - 1))];
};

describe('replay and live views (release build, real processes)', () => {
  let server;
  let context;
  let page;
  let dir;
  const pageErrors = [];

  before(async () => {
    assert.ok(existsSync(GOSSIP), `build ${GOSSIP} first (cargo build --release -p gossip-native)`);
    dir = await mkdtemp(join(tmpdir(), 'gossip-replay-e2e-'));
    server = await serve();
    context = await launch();
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    await context?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });

  it('replays real nodes\' events files with the delivery counts of gossip analyze', async () => {
    const runDir = join(dir, 'recorded');
    await mkdir(runDir);
    const { procs, files } = await startNodes(runDir, 6, ['--mode', 'hybrid', '--pull-interval', '0.3']);
    for (const text of ['first rumour', 'second rumour']) {
      procs[text.startsWith('first') ? 0 : 3].stdin.write(`${text}\n`);
      await until(`"${text}" everywhere`, 15_000, async () => {
        const all = await Promise.all(files.map(lines));
        return all.every((ls) => ls.some((l) => (l.event === 'delivered' || l.event === 'published') && l.data === text));
      });
    }
    await stopAll(procs);
    const want = await analyze(files);
    assert.equal(Object.keys(want).length, 2);

    await page.goto(`${server.url}?replay`);
    await page.setInputFiles('#replay-files', files);
    await page.waitForFunction(() => document.querySelector('#replay-status')?.textContent.startsWith('loaded'));
    await until('the gossip list', 5_000, async () => Object.keys(await shown(page)).length === 2);
    assert.deepEqual(await shown(page), want);
    assert.equal(await page.textContent('#replay-nodes'), '6');
    // Play, pause, step and jump to the second gossip's publication.
    await page.click('#replay-gossips li:nth-child(2) button');
    const at = await page.textContent('#replay-time');
    await page.click('#replay-step');
    await until('the step', 2_000, async () => (await page.textContent('#replay-time')) !== at);
    assert.match(await page.textContent('#replay-informed'), /^\d+ \/ 6$/);
    // Every node got it, so how 95 % was reached is known (from the
    // events' pulled flags, as gossip analyze reads them).
    assert.match(
      await page.textContent('#replay-reached-by'),
      /^(push alone|pull \(1 delivery through IWANT\)|pull \(\d+ deliveries through IWANT\))$/,
    );

    // A bad file: the message names the file, the line and the field.
    const bad = join(dir, 'bad.jsonl');
    const good = (await readFile(files[0], 'utf8')).split('\n')[0];
    await writeFile(bad, `${good}\n${good.replace(/"ts_us":\d+/, '"ts_us":"soon"')}\n`);
    await page.setInputFiles('#replay-files', bad);
    await page.waitForSelector('#replay-errors');
    const err = await page.textContent('#replay-errors');
    assert.match(err, /bad\.jsonl, line 2, field `ts_us`/);
  });

  it('follows a live cluster of 50 nodes with the counts gossip analyze finds afterwards', async () => {
    const liveDir = join(dir, 'live');
    await mkdir(liveDir);
    const port = await freePort();
    const observer = spawn(GOSSIP, ['observe', '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((ok) => observer.stdout.on('data', (d) => String(d).includes('observing') && ok()));
    await page.goto(`${server.url}?live=ws://127.0.0.1:${port}`);
    await page.waitForFunction(() => document.querySelector('#replay-status')?.textContent.includes('connected'));
    const { procs, files } = await startNodes(liveDir, 50, ['--report-to', `127.0.0.1:${port}`, '--mode', 'hybrid']);
    for (let i = 0; i < 5; i++) {
      procs[i * 7].stdin.write(`live rumour ${i}\n`);
      await sleep(1_500);
    }
    await until('five gossips in the live view', 15_000, async () => Object.keys(await shown(page)).length === 5);
    await sleep(3_000);
    const latency = await page.textContent('#replay-latency');
    await stopAll(procs);
    observer.kill('SIGTERM');
    const want = await analyze(files);
    await until('the live counts to settle', 10_000, async () =>
      JSON.stringify(await shown(page)) === JSON.stringify(want));
    assert.deepEqual(await shown(page), want);
    const m = latency.match(/median ([\d.]+) ms, p95 ([\d.]+) ms \((\d+) deliveries\)/);
    assert.ok(m, latency);
    console.log(`live view, 50 nodes: delivery to dot colour: median ${m[1]} ms, p95 ${m[2]} ms over ${m[3]} deliveries`);
  });

  it('loads a trace of about a million records without freezing and plays it smoothly', async () => {
    const trace = join(dir, 'big-trace.jsonl');
    await run(GOSSIP, ['sim', '--nodes', process.env.REPLAY_NODES ?? '1950', '--mode', 'hybrid', '--trace', trace], { maxBuffer: 1 << 26 });
    const records = (await readFile(trace, 'utf8')).split('\n').length - 1;
    await page.goto(`${server.url}?replay`);
    await page.waitForSelector('#replay-canvas');
    const started = Date.now();
    await page.setInputFiles('#replay-files', trace);
    const during = frameGaps(page, 2_000);
    await page.waitForFunction(() => document.querySelector('#replay-status')?.textContent.startsWith('loaded'),
      null, { timeout: 180_000 });
    const wall = (Date.now() - started) / 1_000;
    const status = await page.textContent('#replay-status');
    const load = Number(status.match(/in ([\d.]+) s$/)[1]);
    const loadingGaps = await during;
    assert.equal(await page.textContent('#replay-records'), String(records));
    const playing = await frameGaps(page, 3_000);
    const fps = 1_000 / quantile(playing, 0.5);
    console.log(`replay of ${records} records (${process.env.REPLAY_NODES ?? 1950} nodes): loaded in ${load.toFixed(2)} s (${wall.toFixed(2)} s from file selection);`
      + ` while loading: median frame ${quantile(loadingGaps, 0.5).toFixed(1)} ms, p95 ${quantile(loadingGaps, 0.95).toFixed(1)} ms, longest ${Math.max(...loadingGaps).toFixed(0)} ms;`
      + ` playing: ${fps.toFixed(0)} fps (median), p95 frame ${quantile(playing, 0.95).toFixed(1)} ms`);
    assert.ok(fps > 20, `playback at ${fps} fps`);
  });
});
