import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chainIds, sha256Of, shortId } from './chain.ts';

// diff IDs: sha256 of "a", "b", "c"; expected chain IDs computed independently with
// `printf '%s %s' "$parent" "$diff" | sha256sum` (docker's / OCI image-spec's ChainID formula).
const A = 'sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb';
const B = 'sha256:3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d';
const C = 'sha256:2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6';
const AB = 'sha256:51c0c8ace48498d6f5fee6b0592cc06f2da0f3cbe09c5a34a97dce85c3889676';
const ABC = 'sha256:2fce7f8ce91bcf0a1428b36e1024639fdbd9469eea762dba98aa749631885106';

test('sha256Of: digest string of bytes or text', () => {
  assert.equal(sha256Of('a'), A);
  assert.equal(sha256Of(Buffer.from('b')), B);
});

test('chainIds: empty, single layer (chain = diff), and the recursive formula', () => {
  assert.deepEqual(chainIds([]), []);
  assert.deepEqual(chainIds([A]), [A]);
  assert.deepEqual(chainIds([A, B]), [A, AB]);
  assert.deepEqual(chainIds([A, B, C]), [A, AB, ABC]);
});

test('chainIds: order matters and a shared prefix gives shared chain IDs', () => {
  const ba = chainIds([B, A]);
  assert.equal(ba[0], B);
  assert.notEqual(ba[1], AB);
  const [x0, x1] = chainIds([A, B, A]);
  assert.deepEqual([x0, x1], [A, AB]);
});

test('shortId: 12 hex characters with or without the algorithm', () => {
  assert.equal(shortId(ABC), '2fce7f8ce91b');
  assert.equal(shortId(ABC.slice(7)), '2fce7f8ce91b');
  assert.equal(shortId('abc'), 'abc');
});
