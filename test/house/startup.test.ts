// Commands that start at once (issue 15): a command that draws, trains or talks to PostgreSQL
// loads what it needs when it needs it, so `--version`, `curve` without `--plot`, `status`,
// `best` and `trials` never load the heavy libraries. Checked by what the process really loaded:
// a module-resolution hook (module.register) records every URL resolved by an import, and at
// exit the preload adds every CommonJS file in require's cache (what CommonJS packages require
// among themselves, and native addons). Speed itself is measured by `npm run bench startup`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, TSX } from '../helpers/cli.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const SWEEP = fileURLToPath(new URL('../fixtures/sweeps/tiny-quadratic.yaml', import.meta.url));
const COMMANDS_DIR = fileURLToPath(new URL('../../src/commands/', import.meta.url));

/** The libraries no reading or computing command may load (each costs tens to hundreds of ms). */
const HEAVY = ['vega', 'vega-lite', '@resvg/*', '@tensorflow/*', 'piscina', 'pg', 'pg-boss'];

const HOOKS = `import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(file, resolved.url + '\\n');
  return resolved;
}
`;
const RECORDER = `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
const file = process.env.LRSWEEP_TEST_LOADED;
register('./hooks.mjs', import.meta.url, { data: { file } });
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(file, Object.keys(require.cache).join('\\n') + '\\n'));
`;

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lrsweep-startup-'));
  writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
  writeFileSync(join(dir, 'recorder.mjs'), RECORDER);
  copyFileSync(SWEEP, join(dir, 'sweep.yaml'));
  const r = runCli(['run', 'sweep.yaml'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
});

after(() => rmSync(dir, { recursive: true, force: true }));

const runs = new Map<string, string[]>();

/** Every file a CLI run loaded, as URLs or paths (each command line runs once). */
function filesLoaded(args: string[]): string[] {
  const key = JSON.stringify(args);
  if (!runs.has(key)) {
    const record = join(dir, 'loaded.txt');
    writeFileSync(record, '');
    const r = spawnSync(process.execPath, ['--import', TSX, '--import', join(dir, 'recorder.mjs'), CLI, ...args], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, LRSWEEP_DEBUG: '', LRSWEEP_TEST_LOADED: record },
    });
    assert.equal(r.status, 0, `lrsweep ${args.join(' ')}: ${r.stderr}`);
    runs.set(key, readFileSync(record, 'utf8').split('\n'));
  }
  return runs.get(key)!;
}

/** The npm packages a CLI run loaded (scoped ones as @scope/name), each path's innermost node_modules. */
function packagesLoaded(args: string[]): Set<string> {
  const packages = new Set<string>();
  for (const line of filesLoaded(args)) {
    const m = line.match(/.*\/node_modules\/(@[^/]+\/[^/]+|[^/]+)\//);
    if (m) packages.add(m[1]);
  }
  return packages;
}

const heavyIn = (packages: Set<string>) =>
  [...packages].filter((p) => HEAVY.some((h) => (h.endsWith('/*') ? p.startsWith(h.slice(0, -1)) : p === h))).sort();

const COMMANDS = [
  ['--version'],
  ['--help'],
  ['run', '--help'],
  ['curve', '--steps', '1000', '--first-cycle-steps', '100'],
  ['curve', '--steps', '1000', '--first-cycle-steps', '100', '--out', 'curve.csv', '--force'],
  ['status'],
  ['status', 'tiny-quadratic'],
  ['best', 'tiny-quadratic'],
  ['trials', 'tiny-quadratic'],
];

for (const args of COMMANDS) {
  test(`lrsweep ${args.join(' ')} loads none of ${HEAVY.join(', ')}`, () => {
    const packages = packagesLoaded(args);
    assert.ok(packages.has('yargs'), 'the recorder saw the CLI load yargs');
    assert.deepEqual(heavyIn(packages), []);
  });
}

test('the recorder sees what these commands load: SQLite (a CommonJS native addon) for status', () => {
  const packages = packagesLoaded(['status']);
  assert.ok(packages.has('better-sqlite3'));
  assert.ok(packages.has('bindings'), 'what better-sqlite3 requires in turn (CommonJS) is seen too');
});

test('the recorder sees a heavy library when a command needs one: curve --plot FILE.png loads vega, vega-lite and resvg', () => {
  const packages = packagesLoaded(['curve', '--steps', '1000', '--first-cycle-steps', '100', '--plot', 'curve.png']);
  assert.deepEqual(heavyIn(packages).filter((p) => !p.startsWith('@resvg/resvg-js-')), ['@resvg/resvg-js', 'vega', 'vega-lite']);
});

/** The command modules of src/commands (each exports a yargs command), by command name. */
function commandModules(): Map<string, string> {
  const modules = new Map<string, string>();
  for (const file of readdirSync(COMMANDS_DIR)) {
    const m = readFileSync(join(COMMANDS_DIR, file), 'utf8').match(/^export const command = '([a-z-]+)/m);
    if (m) modules.set(m[1], file);
  }
  return modules;
}

/** The command modules among the files a run loaded. */
function commandModulesLoaded(args: string[]): string[] {
  const files = new Set(filesLoaded(args).filter((f) => f.includes('/src/commands/')).map((f) => f.split('/').pop()));
  return [...commandModules()].filter(([, file]) => files.has(file)).map(([name]) => name).sort();
}

test('a command loads its own command module and no other; --version loads none', () => {
  assert.ok(commandModules().size >= 10, 'the command modules are found');
  assert.deepEqual(commandModulesLoaded(['--version']), []);
  assert.deepEqual(commandModulesLoaded(['status', 'tiny-quadratic']), ['status']);
  assert.deepEqual(commandModulesLoaded(['curve', '--steps', '1000', '--first-cycle-steps', '100']), ['curve']);
});

test('--help lists every command module, and a mistyped command is still suggested', () => {
  const help = runCli(['--help'], { cwd: dir });
  assert.equal(help.status, 0, help.stderr);
  for (const name of commandModules().keys()) assert.match(help.stdout, new RegExp(`^  lrsweep ${name}\\b`, 'm'), `--help lists ${name}`);
  const typo = runCli(['stauts'], { cwd: dir });
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /Did you mean status\?/);
});
