// A long-running program using the real Databricks JS SDK with nothing but the environment entra-token
// exec gives it (DATABRICKS_HOST, DATABRICKS_AUTH_TYPE=metadata-service, DATABRICKS_METADATA_SERVICE_URL).
// It reads commands on stdin, one per line, and answers one JSON line each on stdout:
//   list            → {"pid","clusters":[ids],"me":userName|null}   (clusters.list, then currentUser.me())
//   advance <secs>  → {"advanced":secs}   moves this process's clock, as time passing would
//   quit            → exits 0
// The workspace host is a real-looking Azure name; ROUTE_TO (http://127.0.0.1:PORT) is where its
// connections actually go — the test's stand-in for DNS and TLS, since the SDK always calls https://<host>:443.
import { createInterface } from 'node:readline';
import { connect } from 'node:net';
import https from 'node:https';
import sdk from '@databricks/sdk-experimental';

const route = new URL(process.env.ROUTE_TO);
class RoutingAgent extends https.Agent {
  createConnection(_options, callback) {
    const socket = connect({ host: route.hostname, port: Number(route.port) });
    socket.once('connect', () => callback(null, socket));
    socket.once('error', (e) => callback(e));
  }
}

let offsetMs = 0;
const realNow = Date.now;
Date.now = () => realNow() + offsetMs;

const client = new sdk.WorkspaceClient(
  {},
  { agent: new RoutingAgent({ keepAlive: false }), product: 'entra-token-e2e' },
);

async function list() {
  const clusters = [];
  for await (const c of client.clusters.list({})) clusters.push(c.cluster_id);
  let me = null;
  if (process.env.WITH_ME === '1') me = (await client.currentUser.me()).userName ?? null;
  return { pid: process.pid, auth_type: client.config.authType, clusters, me };
}

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  const [cmd, arg] = line.trim().split(/\s+/);
  try {
    if (cmd === 'list') console.log(JSON.stringify(await list()));
    else if (cmd === 'advance') {
      offsetMs += Number(arg) * 1000;
      console.log(JSON.stringify({ advanced: Number(arg) }));
    } else if (cmd === 'quit') process.exit(0);
  } catch (e) {
    console.log(JSON.stringify({ error: String(e?.message ?? e), status: e?.statusCode ?? null }));
  }
}
