'use strict';
// undici as the CLI uses it, bundled into the bin by scripts/build-entry.mjs in place of `undici` for
// src/io/http.ts: the same classes and the same request(), taken from undici's own modules instead of its
// index.js, which also loads fetch, WebSocket, the caches, the mocks and more before the first request.
// The build checks that every value src/io/http.ts imports from 'undici' is exported here.
// undici parses HTTP/1.1 with llhttp compiled to WebAssembly. V8 compiles it with Liftoff, its baseline
// compiler, then optimizes it again with TurboFan in the background, and node waits for that background
// work before it exits: 50 to 300 ms at the end of every command that made a request (measured on a
// 2-core machine: `npm run bench`, the `exchange` row). A command makes a few requests of a few kB, so
// Liftoff's code is all it needs: wasmModule() below compiles with --liftoff-only.
// The flag is set at that moment, not when this module loads: changing a V8 flag changes the hash V8 checks
// code caches against, so every built-in module node loads afterwards misses node's embedded code cache and
// is compiled from source (net, http, stream, tls, ...: some 20 ms of CPU before the first request when it
// was set here). undici compiles llhttp once the first connection is up, so by then they are all loaded.
// scripts/build-entry.mjs points undici's client-h1.js at wasmModule(); test/bench/network-budget.test.ts
// checks which built-ins still load after it.
let liftoffOnly = false;
function wasmModule(bytes) {
  if (!liftoffOnly) {
    require('node:v8').setFlagsFromString('--liftoff-only');
    liftoffOnly = true;
  }
  return new WebAssembly.Module(bytes);
}

const Agent = require('undici/lib/dispatcher/agent');
const Dispatcher = require('undici/lib/dispatcher/dispatcher');
const EnvHttpProxyAgent = require('undici/lib/dispatcher/env-http-proxy-agent');
// request() for src/io/http.ts, connect() for ProxyAgent's CONNECT tunnel; not stream(), pipeline() or upgrade()
const api = { request: require('undici/lib/api/api-request'), connect: require('undici/lib/api/api-connect') };
const util = require('undici/lib/core/util');
const { InvalidArgumentError } = require('undici/lib/core/errors');
const { getGlobalDispatcher } = require('undici/lib/global');

// as undici's index.js does, so a dispatcher has .request() and .connect() (a Proxy of one calls them)
Object.assign(Dispatcher.prototype, api);

// undici's index.js `makeDispatcher(api.request)`, for request(url, opts)
function request(url, opts) {
  if (!url || (typeof url !== 'string' && typeof url !== 'object' && !(url instanceof URL))) {
    throw new InvalidArgumentError('invalid url');
  }
  if (opts != null && typeof opts !== 'object') throw new InvalidArgumentError('invalid opts');
  if (opts && opts.path != null) {
    if (typeof opts.path !== 'string') throw new InvalidArgumentError('invalid opts.path');
    const path = opts.path.startsWith('/') ? opts.path : `/${opts.path}`;
    url = new URL(util.parseOrigin(url).origin + path);
  } else {
    if (!opts) opts = typeof url === 'object' ? url : {};
    url = util.parseURL(url);
  }
  const { agent, dispatcher = getGlobalDispatcher() } = opts;
  if (agent) throw new InvalidArgumentError('unsupported opts.agent. Did you mean opts.client?');
  return api.request.call(dispatcher, {
    ...opts,
    origin: url.origin,
    path: url.search ? `${url.pathname}${url.search}` : url.pathname,
    method: opts.method || (opts.body ? 'PUT' : 'GET'),
  });
}

module.exports = { Agent, Dispatcher, EnvHttpProxyAgent, request, wasmModule };
