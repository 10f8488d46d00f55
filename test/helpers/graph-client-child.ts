/**
 * Child process for test/flows/create-credential.test.ts: @microsoft/microsoft-graph-client with
 * entra-token's createCredential as its TokenCredential, against the emulator over HTTPS (the Graph
 * client sends tokens only to https hosts). Started with NODE_EXTRA_CA_CERTS naming the emulator's CA,
 * and the credential's settings in the environment (AZURE_CLIENT_SECRET, …). Prints one JSON line.
 */
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { createCredential } from '../../src/index.js';

const graph = new URL(process.env.TEST_GRAPH_URL!);
const credential = createCredential();
const authProvider = new TokenCredentialAuthenticationProvider(credential as never, {
  scopes: ['https://graph.microsoft.com/.default'],
});
// the client attaches the token only for Graph's own hosts and the custom hosts named here
const client = Client.initWithMiddleware({
  authProvider,
  baseUrl: graph.origin,
  customHosts: new Set([graph.hostname]),
});
const first = (await client.api('/users').top(3).get()) as { value: { userPrincipalName: string }[] };
const from1 = credential.last?.from;
const second = (await client.api('/users').top(1).get()) as { value: unknown[] };
console.log(
  JSON.stringify({
    users: first.value.map((u) => u.userPrincipalName),
    second: second.value.length,
    source: credential.last?.source,
    from: [from1, credential.last?.from],
  }),
);
