import { buildProgram } from './program.js';
import { runMain } from './run.js';

await runMain(buildProgram());
