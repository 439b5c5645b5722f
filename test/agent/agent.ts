/**
 * The scripted agent of the end-to-end tests: the product's own `maestro agent script`
 * (src/agent/script.ts), as a file a test can start with `node`.
 */
import { runScriptedAgent } from '../../src/agent/script.js';

void runScriptedAgent();
