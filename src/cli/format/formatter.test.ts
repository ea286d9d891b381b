import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from '../../core/errors.ts';
import { finalFormat, renderRows, renderTemplate } from './formatter.ts';
import { displayWidth, tabwrite } from './tabwriter.ts';

const images = [
  { Repository: 'busybox', Tag: 'latest', ID: 'a416a98b71e2', CreatedSince: '2 weeks ago', Size: '4.26MB' },
  { Repository: 'registry.example.com/team/app', Tag: 'v1.2.3', ID: '0b1edfbffd27', CreatedSince: '3 months ago', Size: '1.23GB' },
];
const opts = {
  defaultTable: 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}',
  headers: { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', CreatedSince: 'CREATED', Size: 'SIZE' },
};

test('empty format renders the default table, docker-aligned', () => {
  assert.equal(renderRows(images, '', opts), [
    'REPOSITORY                      TAG       IMAGE ID       CREATED        SIZE',
    'busybox                         latest    a416a98b71e2   2 weeks ago    4.26MB',
    'registry.example.com/team/app   v1.2.3    0b1edfbffd27   3 months ago   1.23GB',
    '',
  ].join('\n'));
  assert.equal(renderRows(images, 'table', opts), renderRows(images, '', opts));
});

test('a default table without the "table" prefix works too', () => {
  const o = { ...opts, defaultTable: '{{.ID}}\t{{.Tag}}' };
  assert.equal(renderRows(images.slice(0, 1), '', o), 'IMAGE ID       TAG\na416a98b71e2   latest\n');
});

test('table template with literal \\t from the command line', () => {
  assert.equal(renderRows(images, 'table {{.Repository}}\\t{{.Tag}}', opts), [
    'REPOSITORY                      TAG',
    'busybox                         latest',
    'registry.example.com/team/app   v1.2.3',
    '',
  ].join('\n'));
});

test('table with no rows prints only the header', () => {
  assert.equal(renderRows([], 'table {{.ID}}\t{{.Tag}}', opts), 'IMAGE ID   TAG\n');
});

test('short columns are padded to the minimum width of 10', () => {
  const rows = [{ ID: 'a', Tag: 'b' }];
  assert.equal(renderRows(rows, 'table {{.ID}}\t{{.Tag}}\t{{.ID}}', opts), 'IMAGE ID   TAG       IMAGE ID\na          b         a\n');
});

test('header functions keep titles intact while rows are transformed', () => {
  const out = renderRows(images.slice(0, 1), 'table {{upper .Tag}}\t{{truncate .ID 4}}\t{{json .Size}}', opts);
  assert.equal(out, 'TAG       IMAGE ID   SIZE\nLATEST    a416       "4.26MB"\n');
});

test('header for a field without a title is <no value>, as in docker', () => {
  assert.equal(renderRows([{ X: 'x' }], 'table {{.X}}', opts), '<no value>\nx\n');
});

test('json format: one compact object per row, keys sorted like docker', () => {
  assert.equal(renderRows(images.slice(0, 1), 'json', opts),
    '{"CreatedSince":"2 weeks ago","ID":"a416a98b71e2","Repository":"busybox","Size":"4.26MB","Tag":"latest"}\n');
  assert.equal(renderRows([], 'json', opts), '');
});

test('plain templates render once per row with a newline, no header', () => {
  assert.equal(renderRows(images, '{{.Repository}}:{{.Tag}}', opts), 'busybox:latest\nregistry.example.com/team/app:v1.2.3\n');
  assert.equal(renderRows(images, '  {{.ID}}\\n', opts), 'a416a98b71e2\n\n0b1edfbffd27\n\n');
});

test('quiet prints IDs unless a custom template is given', () => {
  assert.equal(renderRows(images, '', { ...opts, quiet: true }), 'a416a98b71e2\n0b1edfbffd27\n');
  assert.equal(renderRows(images, 'table {{.Tag}}', { ...opts, quiet: true }), 'a416a98b71e2\n0b1edfbffd27\n');
  assert.equal(renderRows(images, '{{.Tag}}', { ...opts, quiet: true }), 'latest\nv1.2.3\n');
});

test('template errors are wrapped like the docker CLI', () => {
  assert.throws(() => renderRows(images, '{{foo}}', opts), (e: unknown) =>
    e instanceof InvalidParameterError && e.message === 'template parsing error: template: :1: function "foo" not defined');
  assert.throws(() => renderRows(images, '{{.ID.X}}', opts), /template parsing error: template: :1:5: executing "" at <.ID.X>/);
});

test('renderTemplate (inspect -f) returns the raw output', () => {
  const c = { State: { Running: true }, NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.2' } } } };
  assert.equal(renderTemplate('{{.State.Running}}', c), 'true');
  assert.equal(renderTemplate('{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', c), '172.17.0.2');
  assert.equal(renderTemplate('{{json .State}}', c), '{"Running":true}');
  assert.throws(() => renderTemplate('{{if}}', c), /template parsing error: template: :1: missing value for if/);
});

test('finalFormat strips the table prefix, trims spaces and expands \\t \\n', () => {
  assert.equal(finalFormat('table  {{.A}}\\t{{.B}} '), '{{.A}}\t{{.B}}');
  assert.equal(finalFormat('json'), '{{json .}}');
  assert.equal(finalFormat(' {{.A}}\\n'), '{{.A}}\n');
});

test('tabwriter: columns are blocks of consecutive lines', () => {
  // the second line has no tab, so the columns above and below are independent
  assert.equal(tabwrite('a\tb\nno tabs here\nlonger-cell-xx\tc\n'), 'a         b\nno tabs here\nlonger-cell-xx   c\n');
  // trailing tab-terminated cell is padded; the last cell is not
  assert.equal(tabwrite('x\t\ny\tz\n'), 'x         \ny         z\n');
});

test('tabwriter: wide characters count as two columns', () => {
  assert.equal(displayWidth('名前'), 4);
  assert.equal(tabwrite('名前名前名前\tx\nab\ty\n'), '名前名前名前   x\nab             y\n');
});
