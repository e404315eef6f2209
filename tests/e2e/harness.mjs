// Shared pieces of the end-to-end test: a static server for dist/ and a
// Chromium launched through playwright-core with flags that work on a
// GPU-less, network-less machine.
import { createServer } from 'node:http';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, extname, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = process.env.DIST_DIR ?? join(ROOT, 'dist');
export const ARTIFACTS = join(ROOT, 'tests', 'e2e', 'artifacts');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.png': 'image/png',
};

/** Serves `dir` on a free localhost port; resolves to { url, close }. */
export async function serve(dir = DIST) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const file = join(dir, path.endsWith('/') ? 'index.html' : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

/**
 * Debian's Chromium, headless, with a fresh profile (playwright wants the
 * profile directory as an argument rather than as --user-data-dir).
 * Resolves to a browser context; `close()` it when done: that also removes
 * the profile directory, so a test leaves nothing behind in the temp dir.
 */
export async function launch(viewport = { width: 1400, height: 850 }) {
  const profile = await mkdtemp(join(tmpdir(), 'gossip-e2e-'));
  const removeProfile = () => rm(profile, { recursive: true, force: true, maxRetries: 3 });
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      viewport,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
  } catch (e) {
    await removeProfile();
    throw e;
  }
  const close = context.close.bind(context);
  context.close = async (...args) => {
    try {
      await close(...args);
    } finally {
      await removeProfile();
    }
  };
  return context;
}

/** The middle value of `xs` (the upper one of an even count). */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/**
 * Median frames per second, and the 95th-percentile frame interval in ms,
 * over `ms` of animation frames on `page`.
 */
export async function frameRate(page, ms) {
  const stamps = await page.evaluate(
    (ms) =>
      new Promise((done) => {
        const ts = [];
        const tick = (t) => {
          ts.push(t);
          if (t - ts[0] < ms) requestAnimationFrame(tick);
          else done(ts);
        };
        requestAnimationFrame(tick);
      }),
    ms,
  );
  const gaps = stamps.slice(1).map((t, i) => t - stamps[i]).sort((a, b) => a - b);
  return { fps: 1000 / median(gaps), p95: gaps[Math.floor(gaps.length * 0.95)] };
}
