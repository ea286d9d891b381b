#!/usr/bin/env -S node --
// The CLI's composition: `berth registry ...` runs the registry server, loaded only when asked for.
import { provideRegistryProgram } from '../dist/cli/commands/registry.js';

provideRegistryProgram(() => import('../dist/registry/main.js'));
await import('../dist/cli/main.js');
