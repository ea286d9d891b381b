import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseFlags, parseGoBool, parseGoInt, type FlagSpec } from './flags.ts';

const specs: FlagSpec[] = [
  { name: 'all', short: 'a', kind: 'bool', description: 'all' },
  { name: 'quiet', short: 'q', kind: 'bool', description: 'quiet' },
  { name: 'format', kind: 'string', description: 'format' },
  { name: 'filter', short: 'f', kind: 'list', description: 'filter' },
  { name: 'last', short: 'n', kind: 'int', default: -1, description: 'last' },
  { name: 'tail', kind: 'string', default: 'all', description: 'tail' },
  { name: 'label', short: 'l', kind: 'stringArray', default: ['x'], description: 'label' },
  { name: 'interactive', short: 'i', kind: 'bool', description: 'i' },
  { name: 'tty', short: 't', kind: 'bool', description: 't' },
  { name: 'help', short: 'h', kind: 'bool', description: 'help', hidden: true, shorthandDeprecated: 'use --help' },
];

function errorOf(argv: string[], s: FlagSpec[] = specs): string {
  try {
    parseFlags(s, argv);
  } catch (e) {
    assert.ok(e instanceof FlagError, 'a FlagError');
    return e.message;
  }
  assert.fail(`no error for ${argv.join(' ')}`);
}

test('defaults are filled for every declared flag', () => {
  const p = parseFlags(specs, []);
  assert.deepEqual(p.flags, {
    all: false, quiet: false, format: '', filter: [], last: -1, tail: 'all', label: ['x'], interactive: false, tty: false, help: false,
  });
  assert.equal(p.changed.size, 0);
  assert.deepEqual(p.args, []);
  assert.equal(p.argsLenAtDash, -1);
});

test('long forms: --name value and --name=value', () => {
  const p = parseFlags(specs, ['--format', '{{.ID}}', '--tail=5', '--last', '3']);
  assert.equal(p.flags.format, '{{.ID}}');
  assert.equal(p.flags.tail, '5');
  assert.equal(p.flags.last, 3);
  assert.deepEqual([...p.changed].sort(), ['format', 'last', 'tail']);
});

test('short forms: -n value, -nvalue, -n=value', () => {
  assert.equal(parseFlags(specs, ['-n', '7']).flags.last, 7);
  assert.equal(parseFlags(specs, ['-n7']).flags.last, 7);
  assert.equal(parseFlags(specs, ['-n=7']).flags.last, 7);
  assert.deepEqual(parseFlags(specs, ['-fdangling=true']).flags.filter, ['dangling=true']);
});

test('clustered booleans and a value-taking flag at the end of a cluster', () => {
  const p = parseFlags(specs, ['-aq', '-it']);
  assert.equal(p.flags.all, true);
  assert.equal(p.flags.quiet, true);
  assert.equal(p.flags.interactive, true);
  assert.equal(p.flags.tty, true);
  const q = parseFlags(specs, ['-qn', '4', 'img']);
  assert.equal(q.flags.quiet, true);
  assert.equal(q.flags.last, 4);
  assert.deepEqual(q.args, ['img']);
  assert.equal(parseFlags(specs, ['-aqn5']).flags.last, 5);
});

test('booleans take explicit values only with =', () => {
  assert.equal(parseFlags(specs, ['--all=false']).flags.all, false);
  assert.equal(parseFlags(specs, ['--all=1']).flags.all, true);
  assert.equal(parseFlags(specs, ['-a=false']).flags.all, false);
  assert.equal(parseFlags(specs, ['-qa=false']).flags.all, false);
  const p = parseFlags(specs, ['--all', 'false']);
  assert.equal(p.flags.all, true);
  assert.deepEqual(p.args, ['false']);
  assert.ok(p.changed.has('all'));
});

test('repeatable flags collect in order; the first use replaces the default', () => {
  const p = parseFlags(specs, ['-f', 'a=1', '--filter=b=2', '-fc=3', '-l', 'y', '--label', 'z']);
  assert.deepEqual(p.flags.filter, ['a=1', 'b=2', 'c=3']);
  assert.deepEqual(p.flags.label, ['y', 'z']);
  assert.equal(parseFlags(specs, ['--format', 'a', '--format', 'b']).flags.format, 'b');
});

test('-- ends flags and - alone is positional', () => {
  const p = parseFlags(specs, ['x', '--', '-a', '--bogus']);
  assert.deepEqual(p.args, ['x', '-a', '--bogus']);
  assert.equal(p.flags.all, false);
  assert.equal(p.argsLenAtDash, 1);
  assert.deepEqual(parseFlags(specs, ['-', '-q']).args, ['-']);
  assert.equal(parseFlags(specs, ['-', '-q']).flags.quiet, true);
});

test('interspersed flags by default; interspersed:false stops at the first positional', () => {
  const p = parseFlags(specs, ['img', '-a', 'x', '-q']);
  assert.deepEqual(p.args, ['img', 'x']);
  assert.equal(p.flags.all, true);
  const r = parseFlags(specs, ['-it', 'alpine', 'sh', '-c', '--', 'ls -a'], { interspersed: false });
  assert.equal(r.flags.tty, true);
  assert.deepEqual(r.args, ['alpine', 'sh', '-c', '--', 'ls -a']);
});

test('a value-taking flag swallows the next argument even if it looks like a flag', () => {
  assert.equal(parseFlags(specs, ['--format', '--quiet']).flags.format, '--quiet');
  assert.deepEqual(parseFlags(specs, ['-f', '-q']).flags.filter, ['-q']);
  assert.equal(parseFlags(specs, ['--format=']).flags.format, '');
});

test('unknown flags use pflag wording', () => {
  assert.equal(errorOf(['--bogus']), 'unknown flag: --bogus');
  assert.equal(errorOf(['--bogus=1']), 'unknown flag: --bogus');
  assert.equal(errorOf(['-x']), "unknown shorthand flag: 'x' in -x");
  assert.equal(errorOf(['-qz']), "unknown shorthand flag: 'z' in -z");
  assert.equal(errorOf(['-zq']), "unknown shorthand flag: 'z' in -zq");
  assert.equal(errorOf(['---x']), 'bad flag syntax: ---x');
  assert.equal(errorOf(['--=x']), 'bad flag syntax: --=x');
});

test('missing values use pflag wording', () => {
  assert.equal(errorOf(['--format']), 'flag needs an argument: --format');
  assert.equal(errorOf(['-f']), "flag needs an argument: 'f' in -f");
  assert.equal(errorOf(['-qf']), "flag needs an argument: 'f' in -f");
  assert.equal(errorOf(['-n', '3', '-n']), "flag needs an argument: 'n' in -n");
});

test('invalid values name the flag like pflag', () => {
  assert.equal(errorOf(['-n', 'abc']),
    'invalid argument "abc" for "-n, --last" flag: strconv.ParseInt: parsing "abc": invalid syntax');
  assert.equal(errorOf(['--last=99999999999999999999']),
    'invalid argument "99999999999999999999" for "-n, --last" flag: strconv.ParseInt: parsing "99999999999999999999": value out of range');
  assert.equal(errorOf(['--all=foo']),
    'invalid argument "foo" for "-a, --all" flag: strconv.ParseBool: parsing "foo": invalid syntax');
  assert.equal(errorOf(['--all=']),
    'invalid argument "" for "-a, --all" flag: strconv.ParseBool: parsing "": invalid syntax');
});

test('validate hooks reject values at parse time', () => {
  const s: FlagSpec[] = [{
    name: 'filter', short: 'f', kind: 'list', description: '',
    validate: (v) => { if (!v.includes('=')) throw new Error('bad format of filter (expected name=value)'); },
  }];
  assert.equal(errorOf(['-f', 'x'], s), 'invalid argument "x" for "-f, --filter" flag: bad format of filter (expected name=value)');
  assert.deepEqual(parseFlags(s, ['-f', 'a=b']).flags.filter, ['a=b']);
});

test('a deprecated shorthand still works and reports a warning', () => {
  const p = parseFlags(specs, ['-h']);
  assert.equal(p.flags.help, true);
  assert.deepEqual(p.warnings, ['Flag shorthand -h has been deprecated, use --help']);
  assert.deepEqual(parseFlags(specs, ['--help']).warnings, []);
});

test('parseGoInt follows strconv.ParseInt(s, 0, 64)', () => {
  assert.equal(parseGoInt('42'), 42);
  assert.equal(parseGoInt('-1'), -1);
  assert.equal(parseGoInt('+5'), 5);
  assert.equal(parseGoInt('0x10'), 16);
  assert.equal(parseGoInt('0X1f'), 31);
  assert.equal(parseGoInt('010'), 8);
  assert.equal(parseGoInt('0o17'), 15);
  assert.equal(parseGoInt('0b101'), 5);
  assert.equal(parseGoInt('1_000'), 1000);
  assert.equal(parseGoInt('0'), 0);
  for (const bad of ['', '-', '08', '1__0', '_1', '1_', '0x', '1.5', ' 1', 'abc']) {
    assert.throws(() => parseGoInt(bad), { message: `strconv.ParseInt: parsing ${JSON.stringify(bad)}: invalid syntax` });
  }
  assert.equal(parseGoInt('-9223372036854775808'), -9223372036854775808);
  assert.throws(() => parseGoInt('9223372036854775808'), /value out of range/);
});

test('parseGoBool follows strconv.ParseBool', () => {
  for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(t), true);
  for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(f), false);
  assert.throws(() => parseGoBool('yes'), { message: 'strconv.ParseBool: parsing "yes": invalid syntax' });
});
