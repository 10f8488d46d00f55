/**
 * Federated assertions, fetched: a provider that hands the flow a current OpenID token from the job's
 * environment (see core/federated.ts for where each comes from). A file is re-read on every request
 * (Kubernetes rotates the projected token in place); a token from GitHub Actions, Azure Pipelines or a
 * command is kept while it has more than a minute left and fetched again after that, so a job that
 * outlives one token keeps working. The token itself is never written anywhere.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import {
  assertionFacts,
  assertionStillGood,
  azureDevOpsOidcRequest,
  githubIdTokenRequest,
  parseAssertionText,
  processIdTokenResponse,
  type AssertionFacts,
  type AssertionSource,
} from '../core/federated.js';
import { EntraTokenError, excerpt } from '../core/errors.js';
import type { HttpClient } from './http.js';
import type { Trace } from './trace.js';

/** Largest token file or command output accepted. */
export const MAX_ASSERTION_BYTES = 64 * 1024;
/** A command that prints the token gets this long. */
export const ASSERTION_COMMAND_TIMEOUT_MS = 30_000;

export interface AssertionProvider {
  readonly source: AssertionSource;
  /** A token good for at least a minute more (fetched again when needed). */
  get(opts?: { trace?: Trace | undefined; signal?: AbortSignal | undefined }): Promise<{
    jwt: string;
    facts: AssertionFacts;
  }>;
}

export interface AssertionProviderDeps {
  http: HttpClient;
  now: () => number;
  env?: Record<string, string | undefined>;
}

/** A provider for `source`. */
export function createAssertionProvider(source: AssertionSource, deps: AssertionProviderDeps): AssertionProvider {
  let held: { jwt: string; facts: AssertionFacts; fetchedAt: number } | undefined;

  async function fetchOnce(trace?: Trace, signal?: AbortSignal): Promise<string> {
    switch (source.kind) {
      case 'file': {
        let text: string;
        try {
          const buf = await readFile(source.path);
          if (buf.length > MAX_ASSERTION_BYTES)
            throw new EntraTokenError(
              'EBAD_INPUT',
              `the federated token file is larger than ${MAX_ASSERTION_BYTES} bytes`,
            );
          text = buf.toString('utf8');
        } catch (e) {
          if (e instanceof EntraTokenError) throw e;
          throw new EntraTokenError(
            'EBAD_INPUT',
            `cannot read the federated token file ${source.path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
            { hint: `it is named by ${source.why.replace(/ is set$/, '')}; check the volume that projects it` },
          );
        }
        return parseAssertionText(text, `the federated token file ${source.path}`);
      }
      case 'env':
        return parseAssertionText(deps.env?.[source.variable] ?? '', source.variable);
      case 'command':
        return parseAssertionText(await runCommand(source.command, signal), 'the federated token command output');
      case 'github': {
        trace?.step('Get federated token (GitHub Actions)');
        const req = githubIdTokenRequest(source.requestUrl, source.requestToken, source.audience);
        const res = await deps.http.send(req, { trace, signal });
        return processIdTokenResponse(res, 'github');
      }
      case 'azure-devops': {
        trace?.step('Get federated token (Azure Pipelines)');
        const req = azureDevOpsOidcRequest(source.requestUri, source.accessToken, source.serviceConnectionId);
        const res = await deps.http.send(req, { trace, signal });
        return processIdTokenResponse(res, 'azure-devops');
      }
    }
  }

  return {
    source,
    async get(opts = {}) {
      const now = deps.now();
      // a file is the source of truth each time; the others are kept while they have time left
      if (
        source.kind !== 'file' &&
        source.kind !== 'env' &&
        held &&
        assertionStillGood(held.facts, held.fetchedAt, now)
      )
        return { jwt: held.jwt, facts: held.facts };
      const jwt = await fetchOnce(opts.trace, opts.signal);
      const facts = assertionFacts(jwt);
      held = { jwt, facts, fetchedAt: now };
      return { jwt, facts };
    },
  };
}

function runCommand(command: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      { timeout: ASSERTION_COMMAND_TIMEOUT_MS, maxBuffer: MAX_ASSERTION_BYTES, signal, windowsHide: true },
      (err, stdout, stderr) => {
        if (err) {
          const why = (err as NodeJS.ErrnoException & { killed?: boolean }).killed
            ? `did not finish within ${ASSERTION_COMMAND_TIMEOUT_MS / 1000} s`
            : `failed (${(err as { code?: unknown }).code ?? 'error'})${stderr ? `: ${excerpt(String(stderr), 160)}` : ''}`;
          reject(
            new EntraTokenError('EBAD_INPUT', `the federated token command ${why}`, {
              hint: 'run ENTRA_TOKEN_FEDERATED_TOKEN_COMMAND by hand: it must print one JWT on standard output',
            }),
          );
          return;
        }
        resolve(String(stdout));
      },
    );
  });
}
