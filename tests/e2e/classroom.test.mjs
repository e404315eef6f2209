// End-to-end test of the classroom features of the browser lab (issue 6):
// presets reproduced from their URL, the compare action, the experiments
// tab's mean ± std table, the Sybil demo, the shortcut list and presentation
// mode. Screenshots of each view go to tests/e2e/screenshots/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ARTIFACTS, launch, serve } from './harness.mjs';

const SCREENSHOTS = join(ARTIFACTS, '..', 'screenshots');

describe('classroom features (release build, headless Chromium)', () => {
  let server;
  let context;
  let page;
  const pageErrors = [];

  const open = async (query) => {
    await page.goto(`${server.url}${query}`);
    await page.waitForSelector('#sim-nodes');
  };
  const shot = (name) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  before(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    server = await serve();
    context = await launch();
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    await context?.close();
    await server?.close();
  });

  it('opens a preset from its URL with the parameters it names', async () => {
    await open('?preset=kill-a-third');
    await page.waitForFunction(() => document.querySelector('#sim-nodes').textContent === '60 (40)', null, {
      timeout: 30_000,
    });
    const search = await page.evaluate(() => location.search);
    assert.match(search, /preset=kill-a-third/);
    assert.match(search, /[?&]n=60(&|$)/);
    await shot('preset-kill-a-third');
  });

  it('compare overlays push and hybrid on the same seed', async () => {
    await open('?preset=loss-push-vs-hybrid');
    assert.match(await page.getAttribute('#tab-compare', 'class'), /\bon\b/);
    await page.click('#compare-run');
    await page.waitForFunction(() => document.querySelector('#compare-chart').dataset.curves === '2', null, {
      timeout: 120_000,
    });
    assert.equal((await page.$$('#compare-chart polyline')).length, 2, 'both curves drawn');
    assert.equal((await page.$$('#compare-table tbody tr')).length, 2);
    await shot('compare');
  });

  it('compare runs any set of strategies: three ticked, three curves and rows', async () => {
    await open('?view=compare&n=20');
    const boxes = await page.$$eval('#compare-panel input[id^=compare-mode-]', (els) => els.map((e) => [e.value, e.checked]));
    assert.deepEqual(boxes, [
      ['push', true],
      ['hybrid', true],
      ['plumtree', false],
      ['pull', false],
    ]);
    await page.check('#compare-mode-plumtree');
    await page.check('#compare-mode-pull');
    await page.uncheck('#compare-mode-hybrid');
    await page.click('#compare-run');
    await page.waitForFunction(() => document.querySelector('#compare-chart').dataset.curves === '3', null, {
      timeout: 120_000,
    });
    assert.equal((await page.$$('#compare-chart polyline')).length, 3, 'three curves drawn');
    const names = await page.$$eval('#compare-table tbody tr', (trs) => trs.map((tr) => tr.children[0].textContent));
    assert.deepEqual(names, ['mode=push', 'mode=plumtree', 'mode=pull']);
    await page.waitForSelector('#compare-json');
    assert.match(await page.evaluate(() => location.search), /[?&]compare=push,plumtree,pull(&|$)/, 'the link keeps the choice');
  });

  it('the experiments tab shows mean and std over seeds', async () => {
    await open('?view=experiments&n=20');
    await page.$eval('#experiment-seeds', (el) => {
      el.value = '3';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.click('#experiment-run');
    await page.waitForFunction(() => document.querySelector('#experiment-status').textContent === '3 of 3 runs', null, {
      timeout: 120_000,
    });
    const rows = await page.$$eval('#summary-table tbody tr', (trs) =>
      trs.map((tr) => [tr.querySelector('.mean').dataset.value, tr.querySelector('.std').dataset.value]),
    );
    assert.ok(rows.length >= 8, 'one row per metric');
    for (const [mean, std] of rows) {
      assert.ok(Number.isFinite(Number(mean)) && Number.isFinite(Number(std)), `${mean} ± ${std}`);
    }
    await shot('experiments');
  });

  it('the Sybil demo admits no forged identity', async () => {
    await open('?preset=sybil-flood&k=2&ids=6');
    await page.click('#sybil-start');
    await page.waitForFunction(() => document.querySelector('#sybil-status').textContent === 'attack finished', null, {
      timeout: 120_000,
    });
    const admitted = await page.$$eval('#sybil-table tbody tr', (trs) => trs.map((tr) => tr.children[2].textContent));
    assert.deepEqual(admitted, ['6 / 6', '6 / 6', '0 / 6']);
    assert.ok((await page.$$('.sybil-picture circle.refused')).length >= 6, 'refused identities drawn');
    await shot('sybil');
  });

  it('exports the current run as CSV, JSON, SVG and PNG', async () => {
    await open('');
    await page.keyboard.press('p');
    await page.waitForFunction(() => document.querySelector('#coverage').textContent === '100%', null, {
      timeout: 60_000,
    });
    const expected = [
      ['export-csv', 'gossip-run.csv', (b) => b.toString().startsWith('n,fanout,ttl,mode,')],
      ['export-json', 'gossip-run.json', (b) => JSON.parse(b.toString()).report.delivery_ratio === 1],
      ['export-svg', 'coverage.svg', (b) => b.toString().startsWith('<svg') && b.toString().includes('<polyline')],
      ['export-png', 'coverage.png', (b) => b.subarray(1, 4).toString() === 'PNG' && b.length > 1_000],
    ];
    for (const [id, name, valid] of expected) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
      assert.equal(download.suggestedFilename(), name);
      const bytes = await readFile(await download.path());
      assert.ok(valid(bytes), `${name} has the expected content`);
    }
  });

  it('? shows the shortcuts and presentation mode switches on', async () => {
    await open('');
    await page.keyboard.press('?');
    await page.waitForSelector('#shortcuts');
    assert.match(await page.textContent('#shortcuts'), /play \/ pause/);
    await shot('shortcuts');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#shortcuts', { state: 'detached' });
    await page.click('#present');
    await page.waitForSelector('.app.present');
    await shot('presentation');
    assert.deepEqual(pageErrors, []);
  });
});
