// Config discovery: the public surface used by the extension and the CLI.
export type { ConfigKind, ConfigProblem, ConfigSource, ServerDefinition, SourceRange, Transport } from './types';
export {
  discover,
  defaultReadFile,
  parseConfigFile,
  type DiscoverOptions,
  type DiscoveryResult,
  type DiscoveredFile,
  type ParseContext,
} from './discover';
export { configFileCandidates, userConfigCandidates, displayPath, FORMATS, WORKSPACE_KINDS, type ConfigFileCandidate, type FormatSpec } from './formats';
export { envInputResolver, inputEnvName, type InputDefinition, type InputRequest, type InputResolver } from './inputs';
export { offsetToPosition } from './jsonc';
export { parseDotenv, type DotenvResult, type DotenvProblem } from './dotenv';
export { launchFingerprint } from './resolve';
export { canonicalJson, sha256Hex } from '../util/canonical';
