#!/usr/bin/env node
// `maestro hook <event>` runs on every Claude Code hook of an agent: it loads only the small hook module.
if (process.argv[2] === 'hook') await import('../dist/src/cli/hook-main.js');
else await import('../dist/src/cli/main.js');
