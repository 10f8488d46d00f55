/** What entra-token adds to every OAuth form POST (docs/protocol.md §2.9), for tests that list the fields sent. */
import { libraryParams } from '../../src/core/platform.js';
import { PLATFORM } from '../../src/io/http.js';

/** `x-client-SKU`, `x-client-VER`, `x-client-OS`, `x-client-CPU` of this machine, in the order sent. */
export const LIBRARY_FIELDS: Array<[string, string]> = libraryParams(PLATFORM);
export const LIBRARY_FORM: Record<string, string> = Object.fromEntries(LIBRARY_FIELDS);
export const LIBRARY_KEYS: string[] = LIBRARY_FIELDS.map(([k]) => k);
/** The user grants' `client_info=1`. */
export const CLIENT_INFO: [string, string] = ['client_info', '1'];
