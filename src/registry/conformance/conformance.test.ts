/** The conformance suite against `berth registry`'s server (in process, loopback). */
import { after, before } from 'node:test';
import { startRegistry, type TestRegistry } from '../testutil.ts';
import { defineSuite } from './suite.ts';

let r: TestRegistry;
before(async () => { r = await startRegistry(); });
after(async () => { await r.close(); });

defineSuite('berth', () => ({ url: r.url }));

// REGISTRY_CONFORMANCE_URL=http://host:port runs the suite against any other registry as well.
const external = process.env.REGISTRY_CONFORMANCE_URL;
if (external) defineSuite(external, () => ({ url: external.replace(/\/+$/, '') }));
