// Runs tryParsePullspec over workerData (string[]) in a worker thread and posts back, for each text, the repository
// it parsed or null. pullspec.test.ts runs it this way so that a parse that never ends (an exponential grammar)
// meets the test's timeout: a regex on the test's own thread would block the timer that is meant to stop it.
import { parentPort, workerData } from 'node:worker_threads';
import { tryParsePullspec } from '../../src/core/pullspec';

parentPort?.postMessage((workerData as string[]).map((text) => tryParsePullspec(text)?.repository ?? null));
