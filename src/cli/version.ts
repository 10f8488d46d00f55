/** The package version (package.json's), for `--version`, the User-Agent and reports. */
export const VERSION = '0.1.0';
