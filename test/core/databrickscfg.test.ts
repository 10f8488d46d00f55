import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseDatabricksConfig, resolveProfile, unknownKeys } from '../../src/core/databrickscfg.js';
import { EntraTokenError } from '../../src/core/errors.js';

const FILE = '~/.databrickscfg';

function refusal(text: string): { code: string; message: string } {
  try {
    parseDatabricksConfig(text, FILE);
  } catch (e) {
    assert.ok(e instanceof EntraTokenError);
    return { code: e.code, message: e.message };
  }
  assert.fail('expected a refusal');
}

describe('~/.databrickscfg parser', () => {
  it('reads profiles, lower-cases keys, keeps values verbatim (trimmed), skips # and ; comments', () => {
    const cfg = parseDatabricksConfig(
      '\uFEFF# comment\n[DEFAULT]\nHost = https://adb-1.2.azuredatabricks.net \n; other comment\n\n[prod]\r\nazure_client_id: 6a0c\nempty =\n',
      FILE,
    );
    assert.deepEqual(cfg.sections, [
      { name: 'DEFAULT', line: 2, values: { host: { value: 'https://adb-1.2.azuredatabricks.net', line: 3 } } },
      { name: 'prod', line: 6, values: { azure_client_id: { value: '6a0c', line: 7 }, empty: { value: '', line: 8 } } },
    ]);
  });

  it("fills a named profile from DEFAULT, the profile's own keys winning, each value naming its section", () => {
    const cfg = parseDatabricksConfig(
      '[DEFAULT]\nhost = a\nazure_tenant_id = t\n[p]\nhost = b\ncluster_id = c\n',
      FILE,
    );
    const p = resolveProfile(cfg, 'p')!;
    assert.deepEqual(p.values, {
      host: { value: 'b', line: 5, profile: 'p' },
      azure_tenant_id: { value: 't', line: 3, profile: 'DEFAULT' },
      cluster_id: { value: 'c', line: 6, profile: 'p' },
    });
    assert.deepEqual(unknownKeys(p), ['cluster_id']);
    assert.equal(resolveProfile(cfg, 'P'), undefined, 'profile names are case-sensitive');
  });

  const bad: Array<[string, string, string]> = [
    ['a key before any profile', 'host = x\n[a]\n', '~/.databrickscfg:1: "host" comes before any [profile] header'],
    [
      'a duplicate profile',
      '[a]\nhost = x\n\n[a]\n',
      '~/.databrickscfg:4: profile [a] is defined twice (first at line 1)',
    ],
    [
      'a duplicate key',
      '[a]\nhost = x\nHOST = y\n',
      '~/.databrickscfg:3: "host" is set twice in [a] (first at line 2)',
    ],
    ['an unclosed header', '[a]\nhost = x\n[b\n', '~/.databrickscfg:3: malformed profile header "[b"'],
    ['an empty header', '# c\n[ ]\n', '~/.databrickscfg:2: empty profile name []'],
    [
      'a line without "="',
      '[a]\nhost = x\n\n\n\n\njust words\n',
      '~/.databrickscfg:7: expected "key = value", "[profile]" or a comment, got "just words"',
    ],
    [
      'an indented continuation',
      '[a]\nhost = x\n  more\n',
      '~/.databrickscfg:3: indented line: continuation lines are not supported',
    ],
    ['a NUL byte', '[a]\nhost = \0\n', '~/.databrickscfg:2: contains a NUL byte: this is not a text file'],
    [
      'a key with no name',
      '[a]\n= x\n',
      '~/.databrickscfg:2: expected "key = value", "[profile]" or a comment, got "= x"',
    ],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses ${what} with EBAD_INPUT and its line number`, () => {
      assert.deepEqual(refusal(text), { code: 'EBAD_INPUT', message });
    });
  }
});
