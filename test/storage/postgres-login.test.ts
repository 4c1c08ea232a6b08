// A PostgreSQL server that asks for a password nobody gave: the CLI says so in one line naming
// --db and the ways to give one (exit 2), not node-postgres's `client password must be a string`.
// The server is a stand-in that speaks just enough of the protocol to ask for SCRAM-SHA-256
// (PostgreSQL's default authentication since 14), so no server has to be set up for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingPasswordMessage } from '../../src/storage/postgres-url.js';
import { TSX } from '../helpers/cli.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), length, body]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** A server that answers every startup with AuthenticationSASL (SCRAM-SHA-256), and the client's first SCRAM message with a server-first message. */
async function scramServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    let started = false;
    socket.on('error', () => {});
    socket.on('data', (data) => {
      if (!started) {
        if (data.readInt32BE(4) === 80877103) return void socket.write('N'); // SSLRequest: no TLS here
        started = true;
        socket.write(message('R', int32(10), Buffer.from('SCRAM-SHA-256\0\0')));
      } else if (data[0] === 0x70 /* p: SASLInitialResponse */) {
        socket.write(message('R', int32(11), Buffer.from('r=nonce,s=c2FsdA==,i=4096')));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** The CLI with no password anywhere: none in the URL, PGPASSWORD unset, ~/.pgpass pointed at nothing. */
function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, LRSWEEP_DEBUG: '', PGPASSFILE: join(mkdtempSync(join(tmpdir(), 'lrsweep-login-')), 'none'), ...extraEnv };
  if (!('PGPASSWORD' in extraEnv)) delete env.PGPASSWORD;
  const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('close', (status) => {
    clearTimeout(guard);
    resolve({ status, stdout, stderr });
  }));
}

test('no password against a SCRAM server: one line naming --db and where a password goes, exit code 2', async () => {
  const { server, port } = await scramServer();
  try {
    const db = `postgres://someone@127.0.0.1:${port}/lrsweep`;
    const r = await cli(['status', '--db', db]);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `lrsweep: --db ${db}: the server asks for a password and none was given; give it in the URL ` +
      '(postgres://USER:PASSWORD@HOST/DATABASE), in PGPASSWORD, or in ~/.pgpass\n');
  } finally {
    server.close();
  }
});

test('only node-postgres\'s missing-password errors are reworded', () => {
  assert.equal(missingPasswordMessage('postgres://u@h/d', new Error('password authentication failed for user "u"')), null);
  assert.equal(missingPasswordMessage('postgres://u@h/d', 'client password must be a string'), null);
  assert.match(missingPasswordMessage('postgres://u@h/d', new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'))!, /^--db postgres:\/\/u@h\/d: the server asks for a password and none was given/);
  assert.match(missingPasswordMessage('postgres://u@h/d', new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a non-empty string'))!, /and an empty one was given;/);
});
