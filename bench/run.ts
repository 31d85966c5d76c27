// `npm run bench`: runs the benchmarks that have no set-up of their own (the detection core).
// The gateway and audit benchmarks have their own scripts (npm run bench:gateway / bench:audit).
// I/O: prints to stdout only.
import { cpus, loadavg } from 'node:os';
import { benchDetect } from './detect.ts';

console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine slows both sides alike)`);
benchDetect();
