// The HTML report in a real browser: headless Chromium (Debian's) driven by playwright-core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { runCli } from '../helpers/cli.js';
import { finishedSweep } from '../helpers/sweep-db.js';
import { skipOrFail } from '../helpers/skip.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

test('the report is one self-contained file that opens offline with every chart drawn', async (t) => {
  if (skipOrFail(t, !existsSync(CHROMIUM) && `${CHROMIUM} is missing (.ci/run installs Debian's chromium)`)) return;
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
    // Schedule lints of the sweep's configs: cycle_mult 1.5 with 30-step cycles ends mid-cycle at step 149.
    assert.match(await page.locator('#lints ~ table').first().innerText(), /ends-mid-cycle/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    assert.ok(existsSync(join(ARTIFACTS, 'report.png')));
  } finally {
    await browser.close();
  }
});

test('failed trials are listed with their errors, in the report and in the Optuna export', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-failing-'));
  const file = join(dir, 'failing.yaml');
  writeFileSync(file, 'name: failing\nschedule: { first_cycle_steps: 10 }\nparameters: { gamma: { values: [0.5, 0.9] } }\n' +
    `trainer: { kind: module, path: ${JSON.stringify(fileURLToPath(new URL('../fixtures/trainers/throws.ts', import.meta.url)))}, options: { message: "the trainer broke on purpose" } }\n`);
  const run = runCli(['run', file], { cwd: dir });
  assert.equal(run.status, 1, `every trial failed: exit 1 (${run.stderr})`);
  assert.equal(runCli(['report', 'failing', '--out', 'r.html'], { cwd: dir }).status, 0);
  const html = readFileSync(join(dir, 'r.html'), 'utf8');
  const failed = html.slice(html.indexOf('id="failed"'), html.indexOf('id="definition"'));
  assert.equal(failed.match(/the trainer broke on purpose/g)?.length, 2);
  assert.match(html, /<b>2<\/b> failed/);

  assert.equal(runCli(['export', 'failing', '--out', 'o.db'], { cwd: dir }).status, 0);
  const db = new Database(join(dir, 'o.db'), { readonly: true });
  assert.deepEqual(db.prepare('SELECT state, COUNT(*) AS n FROM trials GROUP BY state').all(), [{ state: 'FAIL', n: 2 }]);
  const reasons = db.prepare(`SELECT value_json FROM trial_system_attributes WHERE "key" = 'fail_reason'`).all() as { value_json: string }[];
  assert.equal(reasons.length, 2);
  assert.match(JSON.parse(reasons[0].value_json), /the trainer broke on purpose/);
  assert.deepEqual(db.prepare('SELECT COUNT(*) AS n FROM trial_values').get(), { n: 0 });
  db.close();
});
