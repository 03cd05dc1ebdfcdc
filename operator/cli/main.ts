#!/usr/bin/env node
// esplane: one program, several roles. Subcommands are registered in commands.ts.
import { run } from './commands.js';

const code = await run(process.argv.slice(2));
process.exitCode = code;
