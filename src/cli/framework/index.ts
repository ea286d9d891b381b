export { checkArgCount, HELP_FLAG, runCli } from './command.ts';
export type { CliIO, Command, CommandContext, RunCliOptions } from './command.ts';
export { describeError, StatusError } from './errors.ts';
export {
  defaultValue, FlagError, flagDisplayName, goQuote, parseFlags, parseGoBool, parseGoInt,
} from './flags.ts';
export type { FlagKind, FlagSpec, FlagValue, ParsedArgs, ParseOptions } from './flags.ts';
export { DEFAULT_HOST, defaultConfigDir, globalFlags, isLogLevel, LOG_LEVELS, resolveHost } from './globals.ts';
export { formatFlagUsages, renderHelp, useLine, wrapText } from './help.ts';
export type { CommandRef } from './help.ts';
