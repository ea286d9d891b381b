import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCpuset, parseCpuList } from './cpuset.ts';

test('cpuset: lists parsed, malformed or unavailable ones refused with dockerd\'s words', () => {
  assert.deepEqual([...parseCpuList('0-2,5')!], [0, 1, 2, 5]);
  assert.equal(parseCpuList('abc'), null);
  assert.equal(parseCpuList('3-1'), null);
  assert.equal(parseCpuList('1,,2'), null);
  const avail = (f: 'cpus' | 'mems') => (f === 'cpus' ? { text: '0-1', set: new Set([0, 1]) } : { text: '0', set: new Set([0]) });
  checkCpuset({ CpusetCpus: '0,1', CpusetMems: '0' }, avail);
  checkCpuset({}, avail);
  assert.throws(() => checkCpuset({ CpusetCpus: '99' }, avail), { message: 'Requested CPUs are not available - requested 99, available: 0-1' });
  assert.throws(() => checkCpuset({ CpusetMems: '5' }, avail), { message: 'Requested memory nodes are not available - requested 5, available: 0' });
  assert.throws(() => checkCpuset({ CpusetCpus: 'abc' }, avail), { message: 'Invalid value abc for cpuset cpus: invalid format: abc' });
  checkCpuset({ CpusetCpus: '7' }, () => null); // unknown host: left to the runtime
});
