// `npm run bench`: runs the benchmarks that have no set-up of their own (the detection core).
// The gateway and audit benchmarks have their own scripts (npm run bench:gateway / bench:audit).
// I/O: prints to stdout only.
import { benchDetect } from './detect.ts';

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
benchDetect();
