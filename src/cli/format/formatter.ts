/**
 * The --format handling shared by every CLI command, following the docker
 * CLI's formatter.Context: "table ..." templates get a header row and
 * tabwriter alignment, "json" is one {{json .}} line per row, anything else
 * is a template rendered once per row, each followed by a newline.
 */
import { InvalidParameterError } from '../../core/errors.ts';
import { tabwrite } from './tabwriter.ts';
import { Template } from './template.ts';

export interface ColumnSpec { header: string }

export interface RenderOptions {
  /** The command's default, e.g. 'table {{.Repository}}\t{{.Tag}}' (the 'table ' prefix is optional). */
  defaultTable: string;
  /** Field name → column title, e.g. { Repository: 'REPOSITORY' }. */
  headers: Record<string, string>;
  /** Print only IDs ({{.ID}}) when no custom format is given. */
  quiet?: boolean;
}

export const TABLE_KEY = 'table';
export const JSON_KEY = 'json';
export const QUIET_FORMAT = '{{.ID}}';
export const JSON_FORMAT = '{{json .}}';

export function isTableFormat(format: string): boolean {
  return format.startsWith(TABLE_KEY);
}

/** docker's preFormat: strip "table", trim spaces, turn literal \t and \n into characters. */
export function finalFormat(format: string): string {
  let f = format;
  if (isTableFormat(f)) f = f.slice(TABLE_KEY.length);
  else if (f === JSON_KEY) f = JSON_FORMAT;
  f = f.replace(/^ +| +$/g, '');
  return f.replace(/\\t|\\n/g, (m) => (m === '\\t' ? '\t' : '\n'));
}

/** Parse a template, wrapping errors the way the docker CLI reports them. */
export function compile(tpl: string): Template {
  try {
    return new Template(tpl);
  } catch (e) {
    throw wrap(e);
  }
}

function wrap(e: unknown): unknown {
  if (e instanceof InvalidParameterError) return new InvalidParameterError(`template parsing error: ${e.message}`, { cause: e });
  return e;
}

function runTemplate(t: Template, data: unknown): string {
  try {
    return t.execute(data);
  } catch (e) {
    throw wrap(e);
  }
}

/** Resolve the effective format: '' and 'table' mean the default table; quiet means IDs only. */
export function resolveFormat(format: string, opts: RenderOptions): string {
  const f = format;
  if (opts.quiet && (f === '' || isTableFormat(f))) return QUIET_FORMAT;
  if (f === '' || f === TABLE_KEY) {
    return isTableFormat(opts.defaultTable) ? opts.defaultTable : `${TABLE_KEY} ${opts.defaultTable}`;
  }
  return f;
}

/** Docker's row contexts marshal as maps: top-level keys in sorted order. */
function sortedRow(row: object): object {
  if (Array.isArray(row) || Object.getPrototypeOf(row) !== Object.prototype) return row;
  const rec = row as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(rec).sort()) out[k] = rec[k];
  return out;
}

/** Render rows with a user/command format (see RenderOptions). */
export function renderRows(rows: object[], format: string, opts: RenderOptions): string {
  const fmt = resolveFormat(format, opts);
  const tpl = compile(finalFormat(fmt));
  let body = '';
  for (const row of rows) body += runTemplate(tpl, sortedRow(row)) + '\n';
  if (!isTableFormat(fmt)) return body;
  const header = tpl.executeHeader(opts.headers);
  return tabwrite(header + '\n' + body);
}

/**
 * One-shot template execution (inspect -f): no trailing newline added.
 * ('json' and '' are inspect-level modes, handled by the caller.)
 */
export function renderTemplate(tpl: string, data: unknown): string {
  return runTemplate(compile(tpl), data);
}
