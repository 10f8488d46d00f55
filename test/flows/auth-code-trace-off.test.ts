/**
 * Tracing off costs nothing but the record: an exchange whose Trace has no sink redacts nothing (no secret is
 * given a keyed mark), and with `--trace` the same exchange marks every secret it prints.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { browse } from '../helpers/browse.js';
import { startAuthorization, exchangeCode } from '../../src/flows/auth-code.js';
import { MemoryPendingStore } from '../../src/io/pending.js';
import { createHttpClient } from '../../src/io/http.js';
import { resolveAuthority } from '../../src/core/authority.js';
import { Trace } from '../../src/io/trace.js';
import { setMarkKey } from '../../src/core/redact.js';
import { installTraceSinks } from '../../src/cli/trace-sinks.js';
import { installRunKey } from '../../src/io/run-key.js';
import type { CliContext } from '../../src/cli/context.js';

let emu: Emulator;
const http = createHttpClient({ env: {} });

before(async () => {
  emu = await startEmulator({ autoApprove: true });
});
after(async () => {
  installRunKey(true);
  await http.close();
  await emu.close();
});

/** A sign-in brought back by the browser stand-in, exchanged with `trace`. */
async function exchange(trace: Trace) {
  const pending = new MemoryPendingStore();
  const s = await startAuthorization(
    {
      authority: resolveAuthority({ authority: emu.info.authority }),
      client_id: emu.info.public_client_id,
      redirect_uri: 'http://localhost',
      scopes: ['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default', 'openid', 'offline_access'],
    },
    { pending, now: Date.now },
  );
  const redirect = await browse(s.url);
  return exchangeCode({ input: { redirect }, pending }, { http, now: Date.now, trace });
}

/** Count the marks made: the key is drawn on the first mark (and again after each count). */
function countMarks(): () => number {
  let drawn = 0;
  setMarkKey(() => {
    drawn++;
    return Buffer.alloc(32, 9);
  });
  return () => drawn;
}

test('tracing off: the exchange is recorded, and no secret is redacted (no trace text is made)', async () => {
  const marks = countMarks();
  const trace = new Trace();
  const r = await exchange(trace);
  assert.ok(r.tokens.access_token);
  assert.ok(trace.events.some((e) => e.type === 'exchange'));
  assert.equal(marks(), 0);
});

test('tracing on: the same exchange redacts what it prints', async () => {
  const marks = countMarks();
  const stderr = Object.assign(new PassThrough(), { isTTY: false });
  let text = '';
  stderr.on('data', (d: Buffer) => (text += d.toString()));
  const ctx = { stdout: stderr, stderr, env: {}, now: Date.now, cwd: process.cwd() } as unknown as CliContext;
  const trace = new Trace();
  const flush = installTraceSinks(trace, { trace: true }, ctx);
  const r = await exchange(trace);
  await flush();
  assert.equal(marks(), 1);
  assert.ok(!text.includes(r.tokens.access_token));
  assert.match(text, /access_token": "eyJ\w{3}…\[\d+ chars hmac:[0-9a-f]{8}\]"/);
});
