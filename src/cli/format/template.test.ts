import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from '../../core/errors.ts';
import { Template } from './template.ts';

const run = (tpl: string, data: unknown = {}): string => new Template(tpl).execute(data);
const fails = (tpl: string, data: unknown, msg: string | RegExp): void => {
  assert.throws(() => run(tpl, data), (e: unknown) => {
    assert.ok(e instanceof InvalidParameterError, 'InvalidParameterError');
    if (typeof msg === 'string') assert.equal(e.message, msg);
    else assert.match(e.message, msg);
    return true;
  });
};

const container = {
  Id: 'abc123',
  Name: '/web',
  State: { Status: 'running', Running: true, Pid: 4242, ExitCode: 0 },
  Config: { Labels: { 'com.example.a': 'x', b: 'y' }, Env: ['A=1', 'B=2'], Cmd: null },
  Args: ['-c', 'echo hi'],
  RepoTags: ['busybox:latest', 'busybox:1.36'],
  Size: 4260000,
};

test('fields, nested fields and map keys', () => {
  assert.equal(run('{{.Id}}', container), 'abc123');
  assert.equal(run('{{.State.Running}} {{.State.Pid}}', container), 'true 4242');
  assert.equal(run('{{.Config.Labels.b}}', container), 'y');
});

test('missing and null values print <no value>', () => {
  assert.equal(run('{{.Nope}}', container), '<no value>');
  assert.equal(run('{{.Nope.Deeper}}', container), '<no value>');
  assert.equal(run('{{.Config.Cmd}}', container), '<no value>');
});

test('{{.}} prints the value Go-style', () => {
  assert.equal(run('{{.}}', 'plain'), 'plain');
  assert.equal(run('{{.}}', { b: 2, a: [1, 'x'], c: { d: true } }), 'map[a:[1 x] b:2 c:map[d:true]]');
  assert.equal(run('{{.RepoTags}}', container), '[busybox:latest busybox:1.36]');
  assert.equal(run('{{.}}', [{ a: 1 }, null]), '[map[a:1] <nil>]');
  assert.equal(run('{{.}}', []), '[]');
  assert.equal(run('{{.}}', {}), 'map[]');
});

test('numbers print like Go ints and float64s', () => {
  assert.equal(run('{{.}}', 1234567890123), '1234567890123');
  assert.equal(run('{{.}}', 1e18), '1000000000000000000');
  assert.equal(run('{{.}}', 1.5), '1.5');
  assert.equal(run('{{.}}', 1234567.5), '1.2345675e+06');
  assert.equal(run('{{.}}', 1e-7), '1e-07');
  assert.equal(run('{{.}}', 1e21), '1e+21');
  assert.equal(run('{{.}} {{false}}', true), 'true false');
});

test('json: compact, field order kept, no trailing newline', () => {
  assert.equal(run('{{json .State}}', container), '{"Status":"running","Running":true,"Pid":4242,"ExitCode":0}');
  assert.equal(run('{{json .RepoTags}}', container), '["busybox:latest","busybox:1.36"]');
  assert.equal(run('{{json .Config.Cmd}}', container), 'null');
  assert.equal(run('{{json .Missing}}', container), 'null');
  assert.equal(run('{{json .}}', 'x'), '"x"');
});

test('json: like docker, HTML characters are not escaped; U+2028 is', () => {
  assert.equal(run('{{json .}}', { s: '<a&b>' }), '{"s":"<a&b>"}');
  assert.equal(run('{{json .}}', 'a\u2028b\n'), '"a\\u2028b\\n"');
});

test('range over a list, with dot and with variables', () => {
  assert.equal(run('{{range .RepoTags}}{{.}} {{end}}', container), 'busybox:latest busybox:1.36 ');
  assert.equal(run('{{range $i, $e := .Args}}{{$i}}={{$e}};{{end}}', container), '0=-c;1=echo hi;');
  assert.equal(run('{{range $e := .Args}}[{{$e}}]{{end}}', container), '[-c][echo hi]');
});

test('range over a map visits keys in sorted order', () => {
  const data = { m: { zeta: 1, alpha: 2, Mid: 3 } };
  assert.equal(run('{{range $k, $v := .m}}{{$k}}:{{$v}} {{end}}', data), 'Mid:3 alpha:2 zeta:1 ');
  assert.equal(run('{{range .m}}{{.}}{{end}}', data), '321');
});

test('range else, break, continue, over ints and nil', () => {
  assert.equal(run('{{range .L}}x{{else}}empty{{end}}', { L: [] }), 'empty');
  assert.equal(run('{{range .Missing}}x{{else}}none{{end}}', {}), 'none');
  assert.equal(run('{{range .}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}', [1, 2, 3, 4]), '12');
  assert.equal(run('{{range .}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}', [1, 2, 3]), '13');
  assert.equal(run('{{range 3}}{{.}}{{end}}', null), '012');
  fails('{{range .}}{{end}}', 'str', /range can't iterate over str/);
});

test('$ is the root inside range and with', () => {
  assert.equal(run('{{range .Args}}{{$.Id}} {{end}}', container), 'abc123 abc123 ');
  assert.equal(run('{{with .State}}{{$.Name}}:{{.Status}}{{end}}', container), '/web:running');
});

test('if / else if / else', () => {
  const t = '{{if eq .S "a"}}A{{else if eq .S "b"}}B{{else}}other{{end}}';
  assert.equal(run(t, { S: 'a' }), 'A');
  assert.equal(run(t, { S: 'b' }), 'B');
  assert.equal(run(t, { S: 'c' }), 'other');
  assert.equal(run('{{if .State.Running}}up{{end}}', container), 'up');
  assert.equal(run('{{if .L}}yes{{else}}no{{end}}', { L: [] }), 'no');
  assert.equal(run('{{if .M}}yes{{else}}no{{end}}', { M: {} }), 'no');
  assert.equal(run('{{if 0}}yes{{else}}no{{end}}'), 'no');
});

test('with and with-else', () => {
  assert.equal(run('{{with .State}}{{.Pid}}{{end}}', container), '4242');
  assert.equal(run('{{with .Missing}}x{{else}}nothing{{end}}', container), 'nothing');
  assert.equal(run('{{with $x := .State.Status}}{{$x}}{{end}}', container), 'running');
});

test('variables: declare, assign, scope', () => {
  assert.equal(run('{{$x := 1}}{{$x}}{{$x = "two"}} {{$x}}'), '1 two');
  assert.equal(run('{{$n := 0}}{{range .}}{{$n = .}}{{end}}{{$n}}', [5, 6, 7]), '7');
  assert.throws(() => run('{{range .}}{{$y := .}}{{end}}{{$y}}', []), /undefined variable "\$y"/);
});

test('pipelines and parenthesised calls', () => {
  assert.equal(run('{{.Name | upper}}', container), '/WEB');
  assert.equal(run('{{.State.Status | printf "%s!" | upper}}', container), 'RUNNING!');
  assert.equal(run('{{(index .Args 1) | upper}}', container), 'ECHO HI');
  assert.equal(run('{{upper (printf "%s-%d" .Id 7)}}', container), 'ABC123-7');
  assert.equal(run('{{(index .L 0).Name}}', { L: [{ Name: 'n0' }] }), 'n0');
});

test('comparison functions', () => {
  assert.equal(run('{{eq 1 1}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}}'), 'true true true true true false');
  assert.equal(run('{{lt "a" "b"}} {{eq .S "x" "y" "z"}}', { S: 'z' }), 'true true');
  assert.equal(run('{{eq .Missing nil}} {{eq .S .Missing}}', { S: 'a' }), 'true false');
  assert.equal(run('{{eq .State.ExitCode 0}}', container), 'true');
  fails('{{eq 1 "1"}}', {}, 'template: :1:2: executing "" at <eq 1 "1">: error calling eq: incompatible types for comparison');
  fails('{{lt true false}}', {}, /invalid type for comparison/);
});

test('and, or, not short-circuit and return values', () => {
  assert.equal(run('{{or .Missing "default"}}', {}), 'default');
  assert.equal(run('{{and 1 0 .Boom.X}}', { Boom: 'str' }), '0');
  assert.equal(run('{{or 0 "" "x"}} {{not .L}} {{not 1}}', { L: [] }), 'x true false');
  assert.equal(run('{{if and .State.Running (gt .State.Pid 0)}}ok{{end}}', container), 'ok');
});

test('len', () => {
  assert.equal(run('{{len .Args}} {{len .Config.Labels}} {{len "héllo"}}', container), '2 2 6');
  fails('{{len 3}}', {}, /error calling len: len of type int/);
});

test('index on maps, arrays and nested values', () => {
  assert.equal(run('{{index .Config.Labels "com.example.a"}}', container), 'x');
  assert.equal(run('{{index .Args 0}}', container), '-c');
  assert.equal(run('{{index .M "k" 1}}', { M: { k: ['a', 'b'] } }), 'b');
  assert.equal(run('{{index .Config.Labels "nope"}}', container), '<no value>');
  fails('{{index .Args 5}}', container, 'template: :1:2: executing "" at <index .Args 5>: error calling index: index out of range: 5');
  fails('{{index .Missing 0}}', container, /index of untyped nil/);
});

test('printf, print, println', () => {
  assert.equal(run('{{printf "%-10s|%5d|%q|%v" .Id .State.Pid .Name .Args}}', container), 'abc123    | 4242|"/web"|[-c echo hi]');
  assert.equal(run('{{printf "%.2f %x %t %5.1f%%" 3.14159 255 true 9.96}}'), '3.14 ff true  10.0%');
  assert.equal(run('{{print "a" 1 2 "b"}}'), 'a1 2b');
  assert.equal(run('{{println 1 "x"}}'), '1 x\n');
  assert.equal(run('{{printf "%d"}}'), '%!d(MISSING)');
});

test('docker funcs: join, split, lower, upper, title', () => {
  assert.equal(run('{{join .Args ","}}', container), '-c,echo hi');
  assert.equal(run('{{split "a:b:c" ":"}}'), '[a b c]');
  assert.equal(run('{{index (split .Image ":") 1}}', { Image: 'busybox:1.36' }), '1.36');
  assert.equal(run('{{lower "ABC"}} {{upper "abc"}} {{title "hello wide-world"}}'), 'abc ABC Hello Wide-World');
  fails('{{upper 3}}', {}, 'template: :1:2: executing "" at <upper 3>: wrong type for value; expected string; got int');
});

test('docker funcs: truncate and pad', () => {
  assert.equal(run('{{truncate .Id 3}}|{{truncate .Id 30}}', container), 'abc|abc123');
  assert.equal(run('[{{pad "x" 2 1}}][{{pad "" 2 2}}]'), '[  x ][]');
});

test('trim markers', () => {
  assert.equal(run('a  \n\t{{- .X -}}  \n  b', { X: 'X' }), 'aXb');
  assert.equal(run('{{range .}}\n  {{- . -}}\n{{end}}', [1, 2]), '12');
  assert.equal(run('{{-3}}'), '-3');
});

test('comments', () => {
  assert.equal(run('a{{/* a comment */}}b'), 'ab');
  assert.equal(run('a {{- /* trimmed */ -}} b'), 'ab');
});

test('literals: strings, raw strings, chars, numbers, nil', () => {
  assert.equal(run('{{"tab\\there\\u00e9"}}'), 'tab\there\u00e9');
  assert.equal(run('{{`raw\\n`}}'), 'raw\\n');
  assert.equal(run("{{'a'}} {{0x1F}} {{017}} {{1_000}} {{1.5e3}}"), '97 31 15 1000 1500');
  assert.equal(run('{{printf "%v" nil}}'), '<nil>');
});

test('methods and getters on class instances', () => {
  class Row {
    readonly id = 'abcdef1234567890';
    get ID(): string { return this.id.slice(0, 6); }
    Label(key: string): string { return `label:${key}`; }
  }
  assert.equal(run('{{.ID}} {{.Label "x"}}', new Row()), 'abcdef label:x');
  assert.equal(run('{{.toString}}', {}), '<no value>');
});

test('parse errors read like Go', () => {
  fails('{{foo}}', {}, 'template: :1: function "foo" not defined');
  fails('\n\n{{.A | bar}}', {}, 'template: :3: function "bar" not defined');
  fails('{{.A', {}, 'template: :1: unclosed action');
  fails('{{if .A}}x', {}, 'template: :1: unexpected EOF');
  fails('x{{end}}', {}, 'template: :1: unexpected {{end}}');
  fails('{{}}', {}, 'template: :1: missing value for command');
  fails('{{$x}}', {}, 'template: :1: undefined variable "$x"');
  fails('{{.A "b"c}}', {}, /unexpected "c" in operand/);
  fails('{{json.}}', {}, /unexpected <\.> in operand/);
});

test('execution errors read like Go', () => {
  fails('{{.Name.First}}', container, 'template: :1:7: executing "" at <.Name.First>: can\'t evaluate field First in type string');
  fails('x\n {{.Args.X}}', container, 'template: :2:8: executing "" at <.Args.X>: can\'t evaluate field X in type []interface {}');
  fails('{{.Id 1}}', container, /Id is not a method but has arguments/);
});

test('a template is reusable across data', () => {
  const t = new Template('{{.N}}');
  assert.equal(t.execute({ N: 1 }), '1');
  assert.equal(t.execute({ N: 2 }), '2');
});

test('header execution keeps partial output and the column titles intact', () => {
  const t = new Template('{{.A}}\t{{upper .B}}\t{{json .C}}\t{{pad .D 1 1}}\t{{index .E "x"}}');
  assert.equal(t.executeHeader({ A: 'AA', B: 'Bb', C: 'Cc', D: 'D', E: 'E' }), 'AA\tBb\tCc\t D \t');
});
