/**
 * Worker-thread entry of the inspection's CPU steps (see analysis-runner.ts for the protocol).
 */
import { parentPort } from 'node:worker_threads';
import { analyseTrees, describePristine, reviveTree, type AnalysisInput } from './analysis.js';
import type { WorkerInput, WorkerMessage } from './analysis-runner.js';

const port = parentPort;
if (port === null) throw new Error('analysis-worker.js runs only as a worker thread');
const post = (message: WorkerMessage): void => port.postMessage(message);
// One analysis per message; the thread waits for the next one (the runner keeps it warm) until it
// is terminated. Nothing is kept from one analysis to the next.
port.on('message', (data: WorkerInput) => {
  const input: AnalysisInput = {
    baseline: reviveTree(data.baseline),
    final: reviveTree(data.final),
    protectedGlobs: data.protectedGlobs,
    context: data.context,
    cutPaths: data.cutPaths,
    copyComplete: data.copyComplete,
    ...(data.hiddenPaths === undefined ? {} : { hiddenPaths: data.hiddenPaths }),
    ...(data.instruction === undefined ? {} : { instruction: data.instruction }),
  };
  const analysis = analyseTrees(input, (comparison) => post({ type: 'comparison', comparison }));
  post({ type: 'done', diffPatch: analysis.diffPatch, rules: analysis.rules, pristine: describePristine(analysis.pristine, input) });
});
