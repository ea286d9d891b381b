/*
 * The Dockerfile syntax as moby/buildkit's parser reads it: parser
 * directives at the top (syntax, escape, check), comments, line
 * continuations with the escape token (empty and comment lines inside a
 * continuation are skipped), `--flag` words, JSON (exec) forms and
 * heredocs (`<<EOF`, `<<-EOF`, `<<"EOF"`) for RUN, COPY and ADD.
 */
import { InvalidParameterError } from '../../core/errors.ts';

export interface Heredoc {
  name: string;
  content: string;
  /** Quoted terminator: the body is not expanded. */
  expand: boolean;
  chomp: boolean;
  /** File descriptor prefix (`3<<EOF`), -1 when absent. */
  fd: number;
}

export interface Node {
  /** Lower-cased instruction keyword. */
  cmd: string;
  /** The instruction as written (continuations joined), for the `Step N/M : ...` line. */
  original: string;
  /** The text after the keyword and the flags. */
  rest: string;
  flags: string[];
  /** Exec form (JSON array) when the rest parses as one. */
  json: string[] | null;
  heredocs: Heredoc[];
  line: number;
  endLine: number;
}

export interface ParsedDockerfile {
  directives: Record<string, string>;
  escape: string;
  nodes: Node[];
}

export class DockerfileParseError extends InvalidParameterError {
  constructor(line: number, message: string) {
    super(`dockerfile parse error on line ${line}: ${message}`);
  }
}

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const HEREDOC_CMDS = new Set(['run', 'copy', 'add']);
const HEREDOC_WORD = /^(\d*)<<(-?)(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_.-]+))$/;

/** A JSON array of strings, or null (then the instruction is in shell form). */
export function parseJsonArray(rest: string): string[] | null {
  const t = rest.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) return null;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // shell form
  }
  return null;
}

function parseDirectives(lines: string[]): { directives: Record<string, string>; start: number } {
  const directives: Record<string, string> = {};
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]);
    if (!m) break;
    const key = m[1].toLowerCase();
    if (!KNOWN_DIRECTIVES.has(key)) continue;
    if (key in directives) throw new DockerfileParseError(i + 1, `only one ${key} parser directive can be used`);
    if (key === 'escape' && m[2] !== '\\' && m[2] !== '`') throw new DockerfileParseError(i + 1, `invalid escape token '${m[2]}' does not match \` or \\`);
    directives[key] = m[2];
  }
  return { directives, start: i };
}

function isComment(line: string): boolean {
  return /^\s*#/.test(line);
}

/** Leading `--name[=value]` words. */
function extractFlags(rest: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let r = rest;
  for (;;) {
    const m = /^--(\S*?)(?:=("(?:[^"\\]|\\.)*"|\S*))?(?:\s+|$)/.exec(r);
    if (!m || m[0] === '--') break;
    flags.push(m[0].trim());
    r = r.slice(m[0].length);
  }
  return { flags, rest: r };
}

/** Heredoc markers among the words of an instruction line. */
function heredocMarkers(rest: string): { name: string; expand: boolean; chomp: boolean; fd: number }[] {
  const out: { name: string; expand: boolean; chomp: boolean; fd: number }[] = [];
  for (const w of rest.split(/\s+/)) {
    const m = HEREDOC_WORD.exec(w.replace(/^\d*<<-?\s*$/, ''));
    if (!m) continue;
    const name = m[3] ?? m[4] ?? m[5];
    out.push({ name, expand: !m[3] && !m[4], chomp: m[2] === '-', fd: m[1] ? Number(m[1]) : -1 });
  }
  return out;
}

/** Parse Dockerfile text into instruction nodes. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const src = text.replace(/^\uFEFF/, '');
  const lines = src.split(/\r?\n/);
  const { directives, start } = parseDirectives(lines);
  const escape = directives.escape ?? '\\';
  const esc = escape === '\\' ? '\\\\' : escape;
  const cont = new RegExp(`${esc}[ \\t]*$`);
  const nodes: Node[] = [];
  let i = start;
  while (i < lines.length) {
    const first = lines[i];
    if (isComment(first) || first.trim() === '') {
      i++;
      continue;
    }
    const startLine = i + 1;
    let joined = first;
    let original = first.trim();
    i++;
    while (cont.test(joined)) {
      joined = joined.replace(cont, '');
      original = original.replace(cont, '');
      while (i < lines.length && (isComment(lines[i]) || lines[i].trim() === '')) i++;
      if (i >= lines.length) break;
      joined += lines[i];
      original += lines[i];
      i++;
    }
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(joined)!;
    const cmd = m[1].toLowerCase();
    const { flags, rest } = extractFlags(m[2]);
    const heredocs: Heredoc[] = [];
    if (HEREDOC_CMDS.has(cmd)) {
      for (const mark of heredocMarkers(rest)) {
        const body: string[] = [];
        let closed = false;
        while (i < lines.length) {
          const l = lines[i++];
          const check = mark.chomp ? l.replace(/^\t+/, '') : l;
          if (check === mark.name) {
            closed = true;
            break;
          }
          body.push(check);
        }
        if (!closed) throw new DockerfileParseError(startLine, `unterminated heredoc ${mark.name}`);
        heredocs.push({ name: mark.name, content: body.length ? `${body.join('\n')}\n` : '', expand: mark.expand, chomp: mark.chomp, fd: mark.fd });
      }
    }
    nodes.push({
      cmd, original: original.replace(/\s+$/, ''), rest: rest.replace(/\s+$/, ''), flags, json: parseJsonArray(rest), heredocs, line: startLine, endLine: i,
    });
  }
  return { directives, escape, nodes };
}
