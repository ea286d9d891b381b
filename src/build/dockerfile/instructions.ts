/*
 * Nodes → typed instructions (buildkit's instructions.Parse): flag checks,
 * argument counts, name=value pairs, stages, with Docker's messages.
 */
import { InvalidParameterError } from '../../core/errors.ts';
import type { Heredoc, Node } from './parser.ts';
import { DockerfileParseError, parseDockerfile } from './parser.ts';
import { splitWords } from './lex.ts';

export interface KeyValue { key: string; value: string; raw: boolean }

export interface Instruction {
  cmd: string;
  node: Node;
  /** Parsed flags: name → values (in order). */
  flags: Map<string, string[]>;
  /** Shell-form text or exec-form array. */
  shell: string | null;
  exec: string[] | null;
  /** name=value pairs (ENV, LABEL, ARG: value null when ARG has no default). */
  pairs: { key: string; value: string | null }[];
  heredocs: Heredoc[];
  /** ONBUILD: the inner instruction text. */
  onbuild?: string;
}

export interface Stage {
  name: string;
  /** The FROM image expression (unexpanded). */
  base: string;
  platform: string;
  index: number;
  from: Instruction;
  instructions: Instruction[];
}

export interface DockerfileAst {
  escape: string;
  metaArgs: Instruction[];
  stages: Stage[];
}

const ALLOWED_FLAGS: Record<string, string[]> = {
  from: ['platform'],
  run: ['mount', 'network', 'security'],
  copy: ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'],
  add: ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir', 'exclude'],
  healthcheck: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

const KNOWN = new Set(['from', 'run', 'cmd', 'entrypoint', 'env', 'arg', 'label', 'maintainer', 'expose', 'volume', 'workdir', 'user',
  'copy', 'add', 'healthcheck', 'shell', 'stopsignal', 'onbuild']);

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

function parseFlags(n: Node): Map<string, string[]> {
  const allowed = ALLOWED_FLAGS[n.cmd] ?? [];
  const out = new Map<string, string[]>();
  for (const f of n.flags) {
    const m = /^--([^=]*)(?:=([\s\S]*))?$/.exec(f)!;
    const name = m[1];
    if (!allowed.includes(name)) throw new DockerfileParseError(n.line, `unknown flag: ${name}`);
    let value = m[2] ?? '';
    if (/^"[\s\S]*"$/.test(value)) value = value.slice(1, -1);
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

function requireArgs(n: Node, min = 1): void {
  if (splitWords(n.rest).length < min && !n.heredocs.length) {
    const name = n.cmd.toUpperCase();
    throw new DockerfileParseError(n.line, min === 1 ? `${name} requires at least one argument` : `${name} requires at least ${min} arguments`);
  }
}

/** ENV/LABEL/ARG name=value words (parseNameVal), with the old `ENV key value` form. */
function nameValues(n: Node, escape: string): { key: string; value: string | null }[] {
  const words = splitWords(n.rest, escape);
  const name = n.cmd.toUpperCase();
  if (!words.length) throw new DockerfileParseError(n.line, `${name} requires at least one argument`);
  if (n.cmd === 'arg') {
    return words.map((w) => {
      const eq = w.indexOf('=');
      return eq < 0 ? { key: w, value: null } : { key: w.slice(0, eq), value: w.slice(eq + 1) };
    });
  }
  if (!words[0].includes('=')) {
    // legacy form: the first word is the key, the rest of the line the value
    const m = /^\s*\S+\s+([\s\S]*)$/.exec(n.rest);
    if (!m) throw new DockerfileParseError(n.line, `${name} must have two arguments`);
    return [{ key: words[0], value: m[1] }];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) throw new DockerfileParseError(n.line, `Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    if (eq === 0) throw new DockerfileParseError(n.line, `${name} names can not be blank`);
    return { key: w.slice(0, eq), value: w.slice(eq + 1) };
  });
}

export function toInstruction(n: Node, escape: string): Instruction {
  if (!KNOWN.has(n.cmd)) throw new DockerfileParseError(n.line, `unknown instruction: ${n.original.split(/\s+/)[0]}`);
  const flags = parseFlags(n);
  const ins: Instruction = { cmd: n.cmd, node: n, flags, shell: null, exec: null, pairs: [], heredocs: n.heredocs };
  switch (n.cmd) {
    case 'env': case 'label': case 'arg':
      ins.pairs = nameValues(n, escape);
      if (n.cmd === 'env') for (const p of ins.pairs) if (!p.key) throw new DockerfileParseError(n.line, 'ENV names can not be blank');
      break;
    case 'run': case 'cmd': case 'entrypoint': case 'shell':
      if (n.cmd === 'run' || n.cmd === 'shell') requireArgs(n);
      if (n.json) ins.exec = n.json;
      else if (n.cmd === 'shell') throw new DockerfileParseError(n.line, 'SHELL requires the arguments to be in JSON form');
      else ins.shell = n.rest;
      if (n.cmd === 'shell' && !ins.exec!.length) throw new DockerfileParseError(n.line, 'SHELL requires at least one argument');
      break;
    case 'copy': case 'add': case 'volume':
      if (n.json) ins.exec = n.json;
      else ins.shell = n.rest;
      if (n.cmd !== 'volume' && (ins.exec ? ins.exec.length : splitWords(n.rest, escape).length) + n.heredocs.length < 2) {
        throw new DockerfileParseError(n.line, `${n.cmd.toUpperCase()} requires at least two arguments, but only one was provided. Destination could not be determined`);
      }
      if (n.cmd === 'volume') requireArgs(n);
      break;
    case 'onbuild': {
      requireArgs(n);
      const inner = /^\s*(\S+)/.exec(n.rest)![1].toUpperCase();
      if (inner === 'ONBUILD') throw new DockerfileParseError(n.line, 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (inner === 'FROM' || inner === 'MAINTAINER') throw new DockerfileParseError(n.line, `${inner} isn't allowed as an ONBUILD trigger`);
      const sub = parseDockerfile(n.rest).nodes[0];
      toInstruction({ ...sub, line: n.line }, escape);
      ins.onbuild = n.rest.trim();
      break;
    }
    case 'healthcheck': {
      requireArgs(n);
      const words = splitWords(n.rest, escape);
      const kind = words[0].toUpperCase();
      if (kind === 'NONE') {
        if (words.length > 1) throw new DockerfileParseError(n.line, 'HEALTHCHECK NONE takes no arguments');
      } else if (kind === 'CMD') {
        const after = n.rest.replace(/^\s*\S+\s*/, '');
        if (!after) throw new DockerfileParseError(n.line, 'Missing command after HEALTHCHECK CMD');
        const j = parseDockerfile(`CMD ${after}`).nodes[0].json;
        if (j) ins.exec = j;
        else ins.shell = after;
      } else {
        throw new DockerfileParseError(n.line, `Unknown type "${kind}" in HEALTHCHECK (try CMD)`);
      }
      break;
    }
    case 'expose': case 'user': case 'workdir': case 'stopsignal': case 'maintainer': case 'from':
      requireArgs(n);
      if ((n.cmd === 'user' || n.cmd === 'workdir' || n.cmd === 'stopsignal') && n.cmd !== 'workdir' && splitWords(n.rest, escape).length > 1) {
        throw new DockerfileParseError(n.line, `${n.cmd.toUpperCase()} requires exactly one argument`);
      }
      ins.shell = n.rest;
      break;
  }
  return ins;
}

/** Parse a Dockerfile into meta ARGs and stages. */
export function parseStages(text: string, name = 'Dockerfile'): DockerfileAst {
  const parsed = parseDockerfile(text);
  if (!parsed.nodes.length) throw new InvalidParameterError(`the Dockerfile (${name}) cannot be empty`);
  const metaArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const n of parsed.nodes) {
    const ins = toInstruction(n, parsed.escape);
    if (ins.cmd === 'from') {
      const words = splitWords(n.rest, parsed.escape);
      let name = '';
      if (words.length === 3 && words[1].toLowerCase() === 'as') {
        name = words[2].toLowerCase();
        if (!STAGE_NAME.test(name)) throw new DockerfileParseError(n.line, `invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
      } else if (words.length !== 1) {
        throw new DockerfileParseError(n.line, 'FROM requires either one or three arguments');
      }
      stages.push({ name, base: words[0], platform: ins.flags.get('platform')?.[0] ?? '', index: stages.length, from: ins, instructions: [] });
      continue;
    }
    if (!stages.length) {
      if (ins.cmd === 'arg') {
        metaArgs.push(ins);
        continue;
      }
      throw new InvalidParameterError('no build stage in current context');
    }
    stages.at(-1)!.instructions.push(ins);
  }
  if (!stages.length) throw new InvalidParameterError('no build stage in current context');
  return { escape: parsed.escape, metaArgs, stages };
}
