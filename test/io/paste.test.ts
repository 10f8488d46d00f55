import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { EntraTokenError } from '../../src/core/errors.js';
import { stateJudge } from '../../src/io/listener.js';
import { paramsFromPaste, readPastedRedirect } from '../../src/io/paste.js';

const STATE = 'st-123';
const judge = stateJudge(STATE, (p) => new EntraTokenError('EAUTHORIZE', `${p.get('error')}`));

describe('paste-back reader', () => {
  it('resolves with the first pasted redirect whose state matches, after reporting the others', async () => {
    const input = new PassThrough();
    const ignored: string[] = [];
    const p = readPastedRedirect({
      input,
      judge,
      onIgnored: (r) => ignored.push(r),
      signal: new AbortController().signal,
    });
    input.write('\n');
    input.write('hello\n');
    input.write('http://localhost/?code=old&state=other\n');
    input.write(`  http://localhost/?code=0.AXEA&state=${STATE}&session_state=x  \n`);
    const cb = await p;
    assert.equal(cb.via, 'paste');
    assert.equal(cb.params.get('code'), '0.AXEA');
    assert.equal(cb.url, `http://localhost/?code=0.AXEA&state=${STATE}&session_state=x`);
    assert.deepEqual(ignored, [
      'the pasted text is neither a redirect URL nor a query string',
      'The state in this response does not match the login in progress.',
    ]);
  });

  it('rejects with the decoded error of a pasted error redirect for this login', async () => {
    const input = Readable.from([`http://localhost:8400/?error=access_denied&state=${STATE}\n`]);
    await assert.rejects(
      readPastedRedirect({ input, judge, signal: new AbortController().signal }),
      (e: EntraTokenError) => {
        assert.equal(e.code, 'EAUTHORIZE');
        assert.equal(e.message, 'access_denied');
        return true;
      },
    );
  });

  it('stays pending and reports the end when stdin closes without a redirect', async () => {
    const input = Readable.from(['nothing useful\n']);
    let ended = false;
    const ac = new AbortController();
    const p = readPastedRedirect({ input, judge, onEnd: () => (ended = true), signal: ac.signal });
    const outcome = await Promise.race([
      p.then(
        () => 'settled',
        () => 'settled',
      ),
      new Promise((r) => setTimeout(() => r('pending'), 100)),
    ]);
    assert.equal(outcome, 'pending');
    assert.equal(ended, true);
  });

  it('rejects with ECANCELLED when the signal aborts and stops reading', async () => {
    const input = new PassThrough();
    const ac = new AbortController();
    const p = readPastedRedirect({ input, judge, signal: ac.signal });
    ac.abort();
    await assert.rejects(p, (e: EntraTokenError) => e.code === 'ECANCELLED');
    assert.equal(input.isPaused(), true);
  });

  it('tells when the user starts typing', async () => {
    const input = new PassThrough();
    let typed = 0;
    const p = readPastedRedirect({ input, judge, onInput: () => typed++, signal: new AbortController().signal });
    input.write('h');
    input.write(`ttp://localhost/?code=c&state=${STATE}\n`);
    await p;
    assert.equal(typed, 1);
  });
});

describe('paramsFromPaste', () => {
  it('reads a URL, a bare query, a quoted URL and a fragment', () => {
    assert.equal(paramsFromPaste('http://localhost:1234/cb?code=a&state=b').get('code'), 'a');
    assert.equal(paramsFromPaste('?code=a&state=b').get('state'), 'b');
    assert.equal(paramsFromPaste('code=a&state=b').get('code'), 'a');
    assert.equal(paramsFromPaste('"http://localhost/?code=q&state=s"').get('code'), 'q');
    assert.equal(paramsFromPaste('http://localhost/#code=f&state=s').get('code'), 'f');
  });
  it('refuses text that is no redirect with EBAD_INPUT', () => {
    assert.throws(
      () => paramsFromPaste('just words'),
      (e: EntraTokenError) => e.code === 'EBAD_INPUT',
    );
    assert.throws(
      () => paramsFromPaste('http://[bad'),
      (e: EntraTokenError) => e.code === 'EBAD_INPUT',
    );
  });
});
