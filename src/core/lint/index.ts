// The lint API used by the CLI and the extension.
export * from './rules';
export { ToolLinter, lintTools, toolTokenCount, applySeverities, checkRuleSettings, sharedSchemaChecker, DEFAULT_DESCRIPTION_TOKEN_THRESHOLD, type LintFinding, type LintFix, type LintOptions, type ServerTools } from './linter';
export { toolDocument, literalRange, type ToolDocument, type TextRange, type RangeOptions } from './document';
export { findToolSources, scanToolSources, findInText, cleanLiteral, decodeLiteral, SOURCE_SCAN_DEFAULTS, type ToolSourceLocation, type DescriptionLiteral, type DescriptionInsertion, type SourceScanOptions, type SourceScanResult } from './sources';
export { SchemaChecker, dialectOf, needsCompile, type SchemaVerdict, type Dialect } from './schema';
export { scanHidden, removeHidden, type HiddenRun, type HiddenKind } from './unicode';
export { modelStrings, type ModelString } from './strings';
export { pointerOf, parsePointer, valueAt, escapeSegment } from './pointer';
export { parseToolsFile, ToolsFileError } from './toolsFile';
