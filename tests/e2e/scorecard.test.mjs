// End-to-end test of issue 12's scorecard and theory curves (release build,
// headless Chromium): a Gossip Glomers preset opens the scorecard tab and
// scores its workload in every strategy, with PASS or FAIL per strategy and
// the line naming the ones that pass; the theory check box draws titled
// model curves over the live, compare and experiments coverage charts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { launch, serve } from './harness.mjs';

/** Core's strategies, in Mode::ALL order (the table's rows). */
const MODES = ['push', 'hybrid', 'plumtree', 'pull'];

describe('scorecard and theory (release build, headless Chromium)', () => {
  let server;
  let context;
  let page;
  const pageErrors = [];

  async function open(query) {
    await page.goto(`${server.url}${query}`);
    await page.waitForFunction(() => performance.getEntriesByName('gossip-lab-interactive').length > 0);
  }

  /** The scorecard table's rows as { mode, pass, verdict }. */
  const rows = () =>
    page.$$eval('#scorecard-table tbody tr', (trs) =>
      trs.map((tr) => ({
        mode: tr.dataset.mode,
        pass: tr.dataset.pass,
        verdict: tr.querySelector('.verdict').textContent,
        cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
      })));

  before(async () => {
    server = await serve();
    context = await launch();
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  after(async () => {
    await context?.close();
    await server?.close();
  });

  it('the 3b preset scores every strategy and says which pass', async () => {
    await open('?preset=glomers-3b');
    assert.equal(await page.getAttribute('#tab-scorecard', 'class'), 'tab on');
    await page.waitForFunction(
      (n) => document.querySelectorAll('#scorecard-table tbody tr').length === n,
      MODES.length,
      { timeout: 60_000 },
    );
    const got = await rows();
    assert.deepEqual(got.map((r) => r.mode), MODES);
    for (const r of got) {
      assert.ok(['true', 'false'].includes(r.pass), JSON.stringify(r));
      assert.match(r.verdict, r.pass === 'true' ? /^PASS$/ : /^FAIL: /);
      assert.match(r.cells[1], /^\d+$/, 'broadcasts scored');
    }
    const passing = await page.textContent('#scorecard-passing');
    const expected = got.filter((r) => r.pass === 'true').map((r) => r.mode);
    assert.equal(passing, expected.length ? `passing: ${expected.join(', ')}` : 'no strategy passes');
    // 3b has no latency and no loss: push reaches every node.
    assert.ok(expected.includes('push'), passing);
    assert.match(await page.textContent('#scorecard-panel'), /Gossip Glomers 3b/);
  });

  it('3d shows its thresholds and a verdict for every strategy', async () => {
    await open('?preset=glomers-3d');
    await page.waitForFunction(
      () => document.querySelector('#scorecard-passing')?.textContent.length > 0,
      null,
      { timeout: 120_000 },
    );
    const text = await page.textContent('#scorecard-panel');
    assert.match(text, /fewer than 30 messages per operation/);
    assert.match(text, /median latency under 400 ms/);
    const got = await rows();
    assert.deepEqual(got.map((r) => r.mode), MODES);
    const summary = await page.textContent('#scorecard-passing');
    console.log(`3d: ${got.map((r) => `${r.mode} ${r.verdict}`).join('; ')}; ${summary}`);
    for (const r of got) {
      const msgsPerOp = Number(r.cells[3]);
      const p50 = Number(r.cells[4]);
      // The verdict agrees with the figures in its own row.
      if (msgsPerOp >= 30 || !(p50 < 400)) assert.equal(r.pass, 'false', JSON.stringify(r));
    }
  });

  it('the theory toggle draws titled model curves on the live chart', async () => {
    await open('?n=25&fanout=3&latency=100&jitter=0');
    assert.equal(await page.$$eval('#coverage-chart g.theory', (g) => g.length), 0);
    await page.check('#theory-toggle');
    await page.waitForFunction(() => document.querySelectorAll('#coverage-chart g.theory').length === 3);
    const models = await page.$$eval('#coverage-chart g.theory', (gs) =>
      gs.map((g) => ({
        model: g.dataset.model,
        title: g.querySelector('title')?.textContent ?? '',
        marks: g.querySelectorAll('line, polyline').length,
      })));
    assert.deepEqual(models.map((m) => m.model), ['infect-and-die', 'push-rounds', 'serf']);
    for (const m of models) {
      assert.ok(m.marks >= 1, `${m.model} draws a mark`);
      assert.ok(m.title.length > 60, `${m.model} names its assumptions: ${m.title}`);
    }
    assert.match(models[0].title, /infect and die: 94\.0 %/);
    assert.match(models[1].title, /Pittel/);
    const serf = await page.getAttribute('#coverage-chart g.theory[data-model=serf] polyline', 'points');
    assert.ok(serf.split(' ').length > 3, serf);
    await page.uncheck('#theory-toggle');
    await page.waitForFunction(() => document.querySelectorAll('#coverage-chart g.theory').length === 0);
  });

  it('the compare chart draws the curves when its toggle is on', async () => {
    await open('?n=20&view=compare&compare=push,hybrid');
    await page.click('#compare-run');
    await page.waitForFunction(() => document.querySelector('#compare-chart')?.dataset.curves === '2', null, { timeout: 30_000 });
    assert.equal(await page.$$eval('#compare-chart g.theory', (g) => g.length), 0);
    await page.check('#compare-theory');
    await page.waitForFunction(() => document.querySelectorAll('#compare-chart g.theory').length === 3);
    assert.match(await page.textContent('#compare-chart g.theory[data-model=serf] title'), /Serf/);
  });

  it('the experiments chart draws the curves when its toggle is on', async () => {
    await open('?n=15&view=experiments');
    await page.check('#experiment-theory');
    await page.click('#experiment-run');
    await page.waitForFunction(() => document.querySelectorAll('#experiment-chart g.theory').length === 3, null, { timeout: 30_000 });
    assert.equal(pageErrors.length, 0, pageErrors.join('\n'));
  });
});
