// Free loopback ports for servers started by tests: the one definition is the benchmarks' (bench/lib), which
// are built and run on their own.
export { freePort } from '../../bench/lib/broker.js';
