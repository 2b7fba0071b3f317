#!/usr/bin/env node
// The webgpu-nn command (dist/ is built by `npm run build`): `webgpu-nn train --help` lists the options.
import { main } from '../dist/cli.js';

// main resolves once the device work is done; exiting then ends Dawn's threads, which would keep Node running.
process.exit(await main(process.argv));
