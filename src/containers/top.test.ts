import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerTop, parsePsOutput, validatePsArgs } from './top.ts';

test('validatePsArgs: a column renamed to PID is refused unless it is pid (dockerd TestContainerTopValidatePSArgs)', () => {
  const cases: Record<string, boolean> = {
    'ae -o uid=PID': true, 'ae -o "uid= PID"': true, 'ae o uid=PID': true, 'aeo uid=PID': true, 'ae -O uid=PID': true,
    'ae -o pid=PID2 -o uid=PID': true, 'ae -o pid=PID': false, 'ae -o pid=PID -o uid=PIDX': true, 'aeo pid=PID': false, 'ae': false, '': false,
    'ae -o "uid=\u2003PID"': false,
  };
  for (const [args, bad] of Object.entries(cases)) {
    if (bad) assert.throws(() => validatePsArgs(args), /is not allowed/, args);
    else assert.doesNotThrow(() => validatePsArgs(args), args);
  }
  assert.throws(() => validatePsArgs('-o pid,uid=PID'), { message: 'specifying "pid,uid=PID" is not allowed' });
});

test('parsePsOutput: rows of the given pids; a value with blanks stays in its column', () => {
  const out = Buffer.from([
    'CMD                          PPID   PID',
    'sleep 1000                      1    42',
    'sleep 1001                      0    43',
    '/bin/bash /st 28808             1    44',
    '',
  ].join('\n'));
  const r = parsePsOutput(out, [42, 44]);
  assert.deepEqual(r.Titles, ['CMD', 'PPID', 'PID']);
  assert.deepEqual(r.Processes, [['sleep 1000', '1', '42'], ['/bin/bash /st 28808', '1', '44']]);
});

test('parsePsOutput: thread rows ("-" as PID) follow their process; the last column takes the rest', () => {
  const out = Buffer.from('  PID   TID COMMAND\n   42     - sleep\n    -    42 -\n  100     - other\n    -   100 -\n   43     - sh -c x\n');
  const r = parsePsOutput(out, [42, 43]);
  assert.deepEqual(r.Processes, [['42', '-', 'sleep'], ['-', '42', '-'], ['43', '-', 'sh -c x']]);
});

test('parsePsOutput: no PID column, or a PID that is not a number, are errors with dockerd wording', () => {
  assert.throws(() => parsePsOutput(Buffer.from('  UID COMMAND\n   42 foo\n'), [42]), { message: "Couldn't find PID field in ps output" });
  assert.throws(() => parsePsOutput(Buffer.from('PID COMMAND\n  x foo\n'), [42]), { message: `Unexpected pid 'x': strconv.Atoi: parsing "x": invalid syntax` });
  // U+2003 is no separator for dockerd's fieldsASCII
  assert.throws(() => parsePsOutput(Buffer.from('\u2003PID COMMAND\n   42 foo\n'), [42]), /Couldn't find PID field/);
});

test('containerTop: ps options that drop the header are refused; ps errors keep the first line of its stderr', async () => {
  await assert.rejects(containerTop([process.pid], '--no-headers'), { message: 'option --no-headers is not allowed' });
  await assert.rejects(containerTop([process.pid], '-x bogus'), (e: Error) => e.message.startsWith('ps: error: '));
  const r = await containerTop([process.pid], '-o pid,ppid');
  assert.deepEqual(r.Titles, ['PID', 'PPID']);
  assert.deepEqual(r.Processes, [[String(process.pid), String(process.ppid)]]);
});
