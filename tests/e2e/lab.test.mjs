// End-to-end test of the browser lab: the release build in dist/ served on
// localhost, driven through playwright-core in Debian's headless Chromium.
// Prints the measured figures (frame rates, size, time to interactive,
// simulator speed); asserts only loose floors on the timing ones so that a
// loaded CI machine does not make it flaky.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { ARTIFACTS, DIST, frameRate, launch, serve } from './harness.mjs';

const SCREENSHOTS = join(ARTIFACTS, '..', 'screenshots');
const figures = {};

function report(name, value) {
  figures[name] = value;
  console.log(`${name}: ${typeof value === 'number' ? +value.toFixed(2) : value}`);
}

describe('browser lab (release build, headless Chromium)', () => {
  let server;
  let context;
  let page;
  const pageErrors = [];

  /** Sets slider `#id` to `value` and fires `kind` ('input' or 'change'). */
  const slide = (id, value, kind = 'change') =>
    page.$eval(`#${id}`, (el, [v, k]) => {
      el.value = String(v);
      el.dispatchEvent(new Event(k, { bubbles: true }));
    }, [value, kind]);

  const text = (selector) => page.textContent(selector);

  /** Sets N and waits until the statistics show the new run. */
  async function setNodes(n) {
    await slide('nodes', n);
    await page.waitForFunction(
      (n) => document.querySelector('#sim-nodes')?.textContent.startsWith(`${n} `),
      n,
    );
    assert.equal(await text('#nodes-value'), String(n));
  }

  before(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    server = await serve();
    context = await launch();
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  });

  after(async () => {
    await context?.close();
    await server?.close();
    await writeFile(join(SCREENSHOTS, 'figures.json'), JSON.stringify(figures, null, 2));
  });

  it('ships at most 380 KB of wasm and JavaScript, gzipped', async () => {
    const files = (await readdir(DIST)).filter((f) => f.endsWith('.wasm') || f.endsWith('.js'));
    assert.ok(files.some((f) => f.endsWith('.wasm')), `no wasm in ${DIST}; run trunk build --release`);
    let total = 0;
    for (const f of files) total += gzipSync(await readFile(join(DIST, f)), { level: 9 }).length;
    report('release wasm+js gzipped (KB)', total / 1024);
    assert.ok(total <= 380 * 1024, `${total} bytes gzipped`);
  });

  it('opens interactive on a formed, running 50-node hybrid overlay', async () => {
    await page.goto(server.url);
    await page.waitForFunction(() => performance.getEntriesByName('gossip-lab-interactive').length > 0);
    const tti = await page.evaluate(() => performance.getEntriesByName('gossip-lab-interactive')[0].startTime);
    report('time to interactive on localhost (ms)', tti);
    assert.ok(tti < 5000, `interactive after ${tti} ms`);
    assert.equal(await text('#nodes-value'), '50');
    assert.equal(await text('#mode-value'), 'hybrid');
    assert.equal(await text('#fanout-value'), '3');
    assert.equal(await text('#ttl-value'), '8');
    await page.waitForFunction(() => document.querySelector('#sim-nodes').textContent === '50 (50)');
    const before = await text('#sim-time');
    await page.waitForFunction((t) => document.querySelector('#sim-time').textContent !== t, before);
    assert.match(await text('#play'), /pause/, 'the lab opens playing');
  });

  it('a publish at N = 50 reaches 100% coverage, with its statistics', async () => {
    await setNodes(50);
    await slide('speed', Math.log10(4), 'input');
    assert.equal(await text('#speed-value'), '4.0x');
    await page.click('#publish');
    await page.waitForFunction(() => document.querySelector('#coverage').textContent === '100%', null, {
      timeout: 60_000,
    });
    assert.equal(await text('#delivered'), '50 / 50');
    assert.doesNotMatch(await text('#t95'), /^–/);
    assert.ok(Number(await page.getAttribute('#overhead', 'data-count')) >= 49, 'overhead counts every GOSSIP at least');
    assert.ok((await page.$$('#coverage-line')).length === 1, 'coverage chart drawn');
    await page.screenshot({ path: join(SCREENSHOTS, 'n50-full-coverage.png') });
  });

  it('hover shows a node; shift-click crashes and revives it, click, p and space work', async () => {
    const box = await page.locator('#overlay').boundingBox();
    const side = Math.min(box.width, box.height);
    // Node 0 sits at the top of the circle: (0.5, 0.05) of the centred square.
    const x = box.x + (box.width - side) / 2 + 0.5 * side;
    const y = box.y + (box.height - side) / 2 + 0.05 * side;
    await page.mouse.move(x, y);
    await page.waitForSelector('#tooltip');
    const tip = await text('#tooltip');
    assert.match(tip, /^node 0 \(running\)/);
    assert.match(tip, /peers \d+ {2}seen \d+/);
    assert.match(tip, /sent \d+ {2}received \d+/);
    await page.keyboard.down('Shift');
    await page.mouse.click(x, y);
    await page.waitForFunction(() => document.querySelector('#sim-nodes').textContent === '50 (49)');
    await page.mouse.click(x, y);
    await page.keyboard.up('Shift');
    await page.waitForFunction(() => document.querySelector('#sim-nodes').textContent === '50 (50)');
    const number = await text('#gossip-number');
    await page.mouse.click(x, y);
    await page.waitForFunction((n) => document.querySelector('#gossip-number').textContent !== n, number);
    await page.mouse.move(box.x + 2, box.y + 2);

    await page.keyboard.press(' ');
    await page.waitForFunction(() => /play/.test(document.querySelector('#play').textContent));
    await page.keyboard.press(' ');
    await page.waitForFunction(() => /pause/.test(document.querySelector('#play').textContent));
    const before = await text('#gossip-number');
    await page.keyboard.press('p');
    await page.waitForFunction((b) => document.querySelector('#gossip-number').textContent !== b, before);
    assert.match(await text('#coverage'), /^\d+%$/);
  });

  it('partitions and heals, switches to the force layout, hides control traffic', async () => {
    await page.click('#partition');
    await page.waitForFunction(() => document.querySelector('#partition').textContent === 'heal');
    await page.click('#partition');
    await page.waitForFunction(() => document.querySelector('#partition').textContent !== 'heal');
    await page.selectOption('#layout', 'force');
    await page.uncheck('#show-control');
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(SCREENSHOTS, 'n50-force-layout.png') });
    await page.selectOption('#layout', 'circle');
    await page.check('#show-control');
  });

  it('the proof-of-work slider solves a real SHA-256 proof', async () => {
    await page.locator('#pow-panel').scrollIntoViewIfNeeded();
    await slide('pow-k', 4, 'input');
    await page.waitForFunction(() => /^solved/.test(document.querySelector('#pow-status').textContent), null, {
      timeout: 60_000,
    });
    const status = await text('#pow-status');
    assert.match(status, /^solved: nonce \d+, sha256 0000/);
    const attempts = Number(await page.getAttribute('#pow-attempts', 'data-count'));
    assert.ok(attempts >= 1);
    report('proof of work k=4 attempts', attempts);
    report('proof of work k=4 hash rate', await text('#pow-rate'));
    await page.screenshot({ path: join(SCREENSHOTS, 'pow-solved.png'), fullPage: true });
  });

  for (const [n, floor] of [[500, 20], [2000, 10]]) {
    it(`animates a broadcast at N = ${n} smoothly`, async () => {
      await setNodes(n);
      await slide('speed', 0, 'input');
      await page.keyboard.press('p');
      await page.waitForFunction(() => document.querySelector('#coverage').textContent !== '–');
      const { fps, p95 } = await frameRate(page, 4000);
      report(`median fps while a broadcast animates at N = ${n}`, fps);
      report(`95th-percentile frame interval at N = ${n} (ms)`, p95);
      report(`coverage after 4 s at N = ${n}`, await text('#coverage'));
      await page.screenshot({ path: join(SCREENSHOTS, `n${n}-broadcast.png`) });
      assert.ok(fps >= floor, `${fps} fps at N = ${n}`);
    });
  }

  it('runs the simulator in wasm within reach of native speed', async () => {
    let best = 0;
    for (let i = 0; i < 3; i++) {
      const before = await text('#bench-result');
      await page.click('#bench');
      await page.waitForFunction((b) => {
        const t = document.querySelector('#bench-result').textContent;
        return t !== '' && t !== b;
      }, before, { timeout: 60_000 });
      best = Math.max(best, Number(await page.getAttribute('#bench-result', 'data-events-per-sec')));
      await page.waitForTimeout(200);
    }
    report('simulator events/s in wasm (best of 3)', best);
    const native = Number(process.env.NATIVE_EVENTS_PER_SEC ?? 0);
    if (native > 0) {
      report('simulator events/s native (web/examples/bench.rs)', native);
      report('native / wasm events/s', native / best);
    }
    assert.ok(best > 0);
  });

  it('logged no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
