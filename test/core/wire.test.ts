// core/wire: the form encoding of every token request is byte for byte what URLSearchParams (a browser, curl
// --data-urlencode) makes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeForm } from '../../src/core/wire.js';

const reference = (fields: Array<[string, string]>) => new URLSearchParams(fields).toString();

describe('encodeForm', () => {
  it('is URLSearchParams for any text, unpaired surrogates and every ASCII character included', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.string({
        unit: fc.constantFrom(...' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~azAZ09é€\ud800\udc00😀'),
        maxLength: 30,
      }),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text), { maxLength: 6 }), (fields) => {
        assert.equal(encodeForm(fields), reference(fields));
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes a token request as the documentation shows it', () => {
    const fields: Array<[string, string]> = [
      ['client_id', '04b07795-8ddb-461a-bbee-02f9e1bf7b46'],
      ['scope', '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default openid offline_access'],
      ['code', '0.AXEA~x*y!z'],
      ['redirect_uri', 'http://localhost'],
      ['grant_type', 'authorization_code'],
    ];
    assert.equal(
      encodeForm(fields),
      'client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46&scope=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d%2F.default+openid+offline_access&code=0.AXEA%7Ex*y%21z&redirect_uri=http%3A%2F%2Flocalhost&grant_type=authorization_code',
    );
    assert.equal(encodeForm(fields), reference(fields));
    assert.equal(encodeForm([]), '');
  });
});
