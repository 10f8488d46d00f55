import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertionFacts,
  assertionProblems,
  assertionStillGood,
  azureDevOpsOidcRequest,
  detectAssertionSource,
  federationRefusalHint,
  githubIdTokenRequest,
  parseAssertionText,
  processIdTokenResponse,
} from '../../src/core/federated.js';
import { EntraTokenError } from '../../src/core/errors.js';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims: Record<string, unknown>) => `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.c2ln`;
const GH = 'https://token.actions.githubusercontent.com';

test('§14 detection order: file, command, variable, GitHub, Azure Pipelines; prefer picks one kind', () => {
  const all = {
    AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
    ENTRA_TOKEN_FEDERATED_TOKEN_COMMAND: 'cat t',
    ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token?x=1',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'rt',
    SYSTEM_OIDCREQUESTURI: 'http://127.0.0.1:2/oidc',
    SYSTEM_ACCESSTOKEN: 'at',
    AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: 'sc',
  };
  assert.equal(detectAssertionSource(all).source?.kind, 'file');
  assert.equal(detectAssertionSource(all, 'github').source?.kind, 'github');
  assert.equal(detectAssertionSource(all, 'azure-devops').source?.kind, 'azure-devops');
  const none = detectAssertionSource({}, 'github');
  assert.equal(none.source, undefined);
  assert.match((none as { reason: string }).reason, /id-token: write/);
  assert.equal(
    detectAssertionSource({ SYSTEM_OIDCREQUESTURI: 'x', SYSTEM_ACCESSTOKEN: 'y' }).source,
    undefined,
    'Azure Pipelines needs the service connection id too',
  );
});

test('§14 GitHub request keeps the runtime query and adds the Entra audience; Azure DevOps is a POST with the connection id', () => {
  const gh = githubIdTokenRequest(
    'http://127.0.0.1:1/_apis/token?api-version=2.0&runid=7',
    'rt',
    'api://AzureADTokenExchange',
  );
  const u = new URL(gh.url);
  assert.equal(u.searchParams.get('runid'), '7');
  assert.equal(u.searchParams.get('audience'), 'api://AzureADTokenExchange');
  assert.equal(gh.headers.authorization, 'Bearer rt');
  const ado = azureDevOpsOidcRequest('http://127.0.0.1:2/oidctoken', 'at', 'sc-1');
  assert.equal(ado.method, 'POST');
  assert.equal(new URL(ado.url).searchParams.get('serviceConnectionId'), 'sc-1');
  assert.equal(new URL(ado.url).searchParams.get('api-version'), '7.1');
});

test('§14 token service answers: value / oidcToken; refusals with the permission hint', () => {
  const t = jwt({ iss: GH });
  const ok = (body: unknown) => ({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(processIdTokenResponse(ok({ count: 1, value: t }), 'github'), t);
  assert.equal(processIdTokenResponse(ok({ oidcToken: t }), 'azure-devops'), t);
  assert.throws(
    () => processIdTokenResponse(ok({ value: 'nope' }), 'github'),
    (e: EntraTokenError) => e.code === 'EBAD_RESPONSE',
  );
  assert.throws(
    () => processIdTokenResponse({ status: 403, headers: {}, body: 'denied' }, 'github'),
    (e: EntraTokenError) => /id-token: write/.test(e.hint!),
  );
});

test('§14 facts, lifetime and the credential that would match', () => {
  const now = 1_700_000_000_000;
  const f = assertionFacts(
    jwt({ iss: GH, sub: 'repo:o/r:ref:refs/heads/main', aud: 'api://AzureADTokenExchange', exp: 1_700_000_300 }),
  );
  assert.deepEqual(f.aud, ['api://AzureADTokenExchange']);
  assert.equal(assertionStillGood(f, now, now), true);
  assert.equal(assertionStillGood(f, now, now + 250_000), false, 'less than a minute left: fetch again');
  assert.deepEqual(assertionProblems(f, now), []);
  const wrong = assertionFacts(jwt({ iss: GH, sub: 's', aud: ['https://github.com/o'], exp: 1_600_000_000 }));
  const problems = assertionProblems(wrong, now);
  assert.equal(problems.length, 2);
  assert.match(federationRefusalHint(700213, f)!, /subject "repo:o\/r:ref:refs\/heads\/main"/);
  assert.match(federationRefusalHint(700024, f)!, /expired/);
  assert.equal(federationRefusalHint(50126, f), undefined);
  const noExp = assertionFacts(jwt({ iss: GH }));
  assert.equal(assertionStillGood(noExp, now, now + 4 * 60_000), true);
  assert.equal(assertionStillGood(noExp, now, now + 6 * 60_000), false);
});

test('parseAssertionText: one JWT, trimmed; empty or junk refused', () => {
  const t = jwt({ iss: GH });
  assert.equal(parseAssertionText(`  ${t}\n`, 'f'), t);
  assert.throws(() => parseAssertionText('\n', 'the file'), /the file is empty/);
  assert.throws(() => parseAssertionText('a.b', 'the file'), /one JWT/);
});

test('§14 inspect explains a federated assertion: the credential it needs, not "an access token for an unknown app"', async () => {
  const { verdict } = await import('../../src/core/claims.js');
  const now = 1_700_000_000;
  const text = verdict(
    { alg: 'RS256' },
    { iss: GH, sub: 'repo:o/r:environment:prod', aud: 'api://AzureADTokenExchange', exp: now + 300 },
    now * 1000,
  );
  assert.match(text, /^federated credential assertion \(workload identity federation\) from https:\/\/token\.actions/);
  assert.match(text, /issuer "https:\/\/token\.actions\.githubusercontent\.com", subject "repo:o\/r:environment:prod"/);
});
