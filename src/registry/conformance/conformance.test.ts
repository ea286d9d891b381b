/** The conformance suite against `berth registry`'s server (in process, loopback). */
import { after, before } from 'node:test';
import { startRegistry, type TestRegistry } from '../testutil.ts';
import { defineSuite } from './suite.ts';

let r: TestRegistry;
before(async () => { r = await startRegistry(); });
after(async () => { await r.close(); });

defineSuite('berth', () => ({ url: r.url }));
