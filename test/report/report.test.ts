// The HTML report in a real browser: headless Chromium (Debian's) driven by playwright-core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { runCli } from '../helpers/cli.js';
import { finishedSweep } from '../helpers/sweep-db.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (.ci/run installs Debian's chromium)`;
if (skip) console.log(`# skipping the browser test: ${skip}`);

test('the report is one self-contained file that opens offline with every chart drawn', { skip }, async () => {
  const { dir, name } = await finishedSweep();
  const out = join(dir, 'report.html');
  const r = runCli(['report', name, '--out', out, '--top', '5'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const html = readFileSync(out, 'utf8');
  assert.doesNotMatch(html, /<script|<link|src="http|href="http|url\(http/i, 'nothing to fetch, nothing to run');

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    const requests: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(pathToFileURL(out).href);
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [pathToFileURL(out).href], 'the page loads nothing else');

    assert.equal(await page.title(), `lrsweep report: ${name}`);
    assert.equal(await page.locator('#top + table tbody tr').count(), 5);
    // Every chart is an inline SVG with its data marks: curves and losses as lines, heatmaps as cells.
    const marks = (id: string, kind: string) => page.locator(`#${id} svg g.mark-${kind}.role-mark path`).count();
    assert.equal(await marks('curves', 'line'), 5);
    assert.equal(await marks('losses', 'line'), 5);
    assert.equal(await page.locator('figure[id^="heatmap-"]').count(), 3);
    for (let i = 0; i < 3; i++) assert.ok((await marks(`heatmap-${i}`, 'rect')) >= 6);
    assert.equal(await marks('parallel', 'line'), 36);
    for (const id of ['curves', 'losses', 'heatmap-0', 'parallel']) {
      const box = await page.locator(`#${id} svg`).boundingBox();
      assert.ok(box && box.width > 200 && box.height > 150, `${id} is drawn at a visible size`);
    }
    assert.match(await page.locator('#status + p').innerText(), /36\s+trials/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    assert.ok(existsSync(join(ARTIFACTS, 'report.png')));
  } finally {
    await browser.close();
  }
});
