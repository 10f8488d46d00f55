import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { authorizeErrorPage, escapeHtml, mismatchPage, pageCsp, successPage } from '../../src/io/pages.js';

describe('listener pages', () => {
  it('escapes & < > " \' ` for HTML', () => {
    assert.equal(
      escapeHtml(`<a href="x" onclick='y'>&\`</a>`),
      '&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#96;&#60;/a&#62;',
    );
  });

  it('allow only their own inline style, by hash, and load nothing else', () => {
    const page = successPage();
    const style = /<style>([^<]*)<\/style>/.exec(page.body)![1]!;
    const hash = createHash('sha256').update(style).digest('base64');
    assert.equal(page.headers['Content-Security-Policy'], pageCsp());
    assert.ok(pageCsp().includes(`style-src 'sha256-${hash}'`));
    assert.doesNotMatch(page.body, /<script|src=|href=|url\(/i);
  });

  it('say what happens next', () => {
    assert.match(successPage().body, /exchanging the code for a token in your terminal/);
    assert.match(successPage().body, /You may close this tab/);
    const err = authorizeErrorPage({
      error: 'access_denied',
      error_description: 'AADSTS65004: User declined.\r\nTrace ID: 1',
      hint: 'grant consent',
    });
    assert.match(err.body, /The login has stopped\. You may close this tab/);
    assert.match(err.body, /Hint: grant consent/);
    assert.match(mismatchPage('wrong state').body, /The login in your terminal is still waiting/);
    assert.equal(mismatchPage('x').status, 400);
  });
});
