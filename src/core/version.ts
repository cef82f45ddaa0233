// The one source of the harness version: package.json's "version". esbuild inlines only this field
// (a named JSON import is tree-shaken), so the bundles do not carry the whole manifest.
import { version } from '../../package.json';

export const HARNESS_VERSION: string = version;
