// End-to-end test of the lab's instrument views on the release build:
// proof of work in a Web Worker (hash rate, frame rate while solving,
// cancelling), the space-time diagram (hover, click for a dissemination
// tree, SVG and PNG export, 10 000 datagrams on screen), the tree overlay
// on the network canvas, and the projector view at 1280x720 and 1920x1080.
// Prints the measured figures and saves screenshots to tests/e2e/screenshots.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ARTIFACTS, frameRate, launch, serve } from './harness.mjs';

const SCREENSHOTS = join(ARTIFACTS, '..', 'screenshots');

function report(name, value) {
  console.log(`${name}: ${typeof value === 'number' ? +value.toFixed(2) : value}`);
}

/** Pixels of canvas `selector` whose colour is within 12 of `rgb`, as [x, y] in CSS px. */
const pixelsOf = (page, selector, rgb) =>
  page.$eval(
    selector,
    (c, rgb) => {
      const ctx = c.getContext('2d');
      const { data, width, height } = ctx.getImageData(0, 0, c.width, c.height);
      const out = [];
      for (let y = 0; y < height; y += 1) {
        for (let x = 0; x < width; x += 1) {
          const i = (y * width + x) * 4;
          if (rgb.every((v, k) => Math.abs(data[i + k] - v) <= 12)) out.push([x, y]);
        }
      }
      return out;
    },
    rgb,
  );

const DELIVERY = [0xff, 0xe0, 0x66];
const LAST_HOP = [0xff, 0x5c, 0x8a];

describe('instrument views (release build, headless Chromium)', () => {
  let server;
  let context;
  let page;
  const pageErrors = [];

  const open = async (query) => {
    await page.goto(`${server.url}${query}`);
    await page.waitForSelector('#sim-nodes');
  };
  const shot = (name) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  const attr = (selector, name) => page.getAttribute(selector, name);

  before(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    server = await serve();
    context = await launch({ width: 1400, height: 850 });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    await context?.close();
    await server?.close();
  });

  it('solves proof of work in a Web Worker at full speed and cancels it at once', async () => {
    const started = [];
    page.on('worker', (w) => started.push(w));
    await open('?powk=6');
    await page.waitForFunction(() => document.querySelector('#pow-rate')?.dataset.rate, null, {
      timeout: 30_000,
    });
    assert.equal(await attr('#pow-rate', 'data-worker'), 'true', 'hashing runs in a worker');
    assert.equal(started.length, 1);
    // The page's frame rate while the worker hashes at k = 6.
    const { fps } = await frameRate(page, 2_000);
    const rate = Number(await attr('#pow-rate', 'data-rate'));
    report('proof of work k=6 hash rate (H/s, worker)', rate);
    report('frames per second while solving k=6', fps);
    // The goal is 3 M/s on an idle machine (POW_MIN_RATE=3e6 asserts it);
    // with other builds on the two cores the worker gets a fraction of one,
    // so the default floor is a loose 0.5 M/s.
    const floor = Number(process.env.POW_MIN_RATE ?? 5e5);
    assert.ok(rate >= floor, `hash rate ${rate} H/s is below ${floor}`);
    assert.ok(fps >= 55, `page ran at ${fps} fps while solving`);
    // Changing k terminates the old worker at once and starts a fresh search.
    const old = started[0];
    const closed = new Promise((ok) => old.on('close', ok));
    await Promise.all([
      closed,
      page.waitForEvent('worker'),
      page.$eval('#pow-k', (el) => {
        el.value = '3';
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }),
    ]);
    assert.equal(started.length, 2, 'a new worker for the new k');
    await page.waitForFunction(() => /^solved/.test(document.querySelector('#pow-status').textContent), null, {
      timeout: 30_000,
    });
    assert.ok(Number(await attr('#pow-attempts', 'data-count')) < 1e6, 'the k = 3 search started from zero');
    // The Sybil tab measures its attacker's rate the same way: in a worker.
    await page.click('#tab-sybil');
    await Promise.all([page.waitForEvent('worker'), page.click('#sybil-measure')]);
    assert.equal(started.length, 3, 'the measurement runs in a worker');
    await page.waitForFunction(() => Number(document.querySelector('#sybil-rate').value) !== 1e6, null, {
      timeout: 10_000,
    });
    const sybilRate = Number(await page.$eval('#sybil-rate', (el) => el.value));
    report('Sybil tab measured rate (H/s)', sybilRate);
    assert.ok(sybilRate >= floor, `the Sybil tab measured ${sybilRate} H/s`);
    assert.deepEqual(pageErrors, []);
  });

  it('draws the space-time diagram, shows a message on hover and a dissemination tree on click', async () => {
    await open('?n=20&speed=2');
    await page.keyboard.press('p');
    await page.waitForFunction(() => /100/.test(document.querySelector('#fig-coverage, #stats')?.textContent ?? ''), null, {
      timeout: 20_000,
    }).catch(() => {});
    await page.waitForTimeout(1_500);
    await page.keyboard.press(' ');
    await page.locator('#spacetime').scrollIntoViewIfNeeded();
    await page.click('#st-zoom-out');
    await page.waitForTimeout(300);
    assert.ok(Number(await attr('#spacetime-canvas', 'data-arrows')) > 0, 'arrows on screen');
    const dots = await pixelsOf(page, '#spacetime-canvas', DELIVERY);
    assert.ok(dots.length > 0, 'first deliveries are marked');
    const [x, y] = dots[Math.floor(dots.length / 2)];
    const canvas = page.locator('#spacetime-canvas');
    await canvas.hover({ position: { x, y } });
    await page.waitForSelector('#st-tooltip');
    assert.match(await page.textContent('#st-tooltip'), /delivered at .* ms, hop \d+/);
    await canvas.click({ position: { x, y } });
    await page.waitForFunction(() => document.querySelector('#spacetime-canvas').dataset.selected);
    await page.waitForTimeout(300);
    assert.ok((await pixelsOf(page, '#spacetime-canvas', LAST_HOP)).length > 0, 'last hop drawn on the diagram');
    assert.ok((await pixelsOf(page, '#overlay', LAST_HOP)).length > 0, 'and on the network canvas');
    await page.locator('#spacetime').screenshot({ path: join(SCREENSHOTS, 'spacetime.png') });
    const [svg] = await Promise.all([page.waitForEvent('download'), page.click('#st-svg')]);
    assert.equal(svg.suggestedFilename(), 'space-time.svg');
    const text = await readFile(await svg.path(), 'utf8');
    assert.match(text, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.ok((text.match(/class="tree"/g) ?? []).length >= 10, 'the tree is in the export');
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('#st-png')]);
    assert.equal(png.suggestedFilename(), 'space-time.png');
    const bytes = await readFile(await png.path());
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    // Clicking where nothing is clears the selection.
    await canvas.click({ position: { x: 5, y: 5 } });
    assert.equal(await attr('#spacetime-canvas', 'data-selected'), '');
    assert.deepEqual(pageErrors, []);
  });

  it('draws the dissemination tree on the network canvas after a broadcast', async () => {
    await open('?n=30&speed=2');
    await page.keyboard.press('p');
    await page.waitForTimeout(2_500);
    assert.equal((await pixelsOf(page, '#overlay', LAST_HOP)).length, 0, 'no tree until asked');
    await page.check('#st-tree');
    await page.waitForTimeout(300);
    assert.ok((await pixelsOf(page, '#overlay', LAST_HOP)).length > 0, 'the last delivery hop is marked');
    await page.locator('#stage').screenshot({ path: join(SCREENSHOTS, 'tree-overlay.png') });
    assert.deepEqual(pageErrors, []);
  });

  it('stays responsive with 10 000 datagrams on the diagram', async () => {
    await open('?n=100&speed=20&control=on');
    await page.locator('#spacetime').scrollIntoViewIfNeeded();
    await page.keyboard.press('p');
    await page.waitForTimeout(4_000);
    for (let i = 0; i < 12 && Number(await attr('#spacetime-canvas', 'data-arrows')) < 10_000; i += 1) {
      await page.click('#st-zoom-out');
      await page.waitForTimeout(250);
    }
    const arrows = Number(await attr('#spacetime-canvas', 'data-arrows'));
    report('datagrams on the diagram', arrows);
    assert.ok(arrows >= 10_000, `only ${arrows} datagrams on screen`);
    const { fps } = await frameRate(page, 2_000);
    const drawMs = Number(await attr('#spacetime-canvas', 'data-draw-ms'));
    report('frames per second with the diagram following the run', fps);
    report('diagram redraw (ms)', drawMs);
    // Loose floors: the figures above are the measurement; a loaded machine
    // (other builds on two cores) slows the redraw several times over.
    assert.ok(fps >= 30, `${fps} fps`);
    assert.ok(drawMs < 150, `a redraw took ${drawMs} ms`);
    await page.locator('#spacetime').screenshot({ path: join(SCREENSHOTS, 'spacetime-10k.png') });
    assert.deepEqual(pageErrors, []);
  });

  for (const [width, height] of [
    [1280, 720],
    [1920, 1080],
  ]) {
    it(`projector view fills a ${width}x${height} screen with the network`, async () => {
      await page.setViewportSize({ width, height });
      await open('');
      await page.keyboard.press('f');
      await page.waitForSelector('.app.present');
      await page.waitForTimeout(300);
      const box = await page.locator('#overlay').boundingBox();
      const share = (box.width * box.height) / (width * height);
      report(`projector canvas share of ${width}x${height}`, share);
      assert.ok(share >= 0.85, `the canvas covers ${(share * 100).toFixed(0)} % of the screen`);
      // Every key still works: p publishes (the figures follow), space pauses.
      await page.keyboard.press('p');
      await page.waitForFunction(() => /%/.test(document.querySelector('#fig-coverage').textContent));
      await page.keyboard.press(' ');
      await page.waitForSelector('#paused-badge');
      const controls = page.locator('#controls');
      const hidden = await controls.boundingBox();
      assert.ok(!hidden || hidden.x + hidden.width <= 1, 'the controls wait in the drawer');
      await page.keyboard.press('c');
      await page.waitForTimeout(400);
      const shown = await controls.boundingBox();
      assert.ok(shown && shown.x >= 0 && shown.x < width / 2, 'c opens the drawer');
      await shot(`projector-${width}x${height}-drawer`);
      await page.keyboard.press('c');
      await page.waitForTimeout(400);
      await page.keyboard.press(' ');
      await shot(`projector-${width}x${height}`);
      await page.keyboard.press('f');
      await page.waitForSelector('.app:not(.present)');
      assert.deepEqual(pageErrors, []);
    });
  }
});
