/**
 * Worker-thread entry of the inspection's CPU steps (see analysis-runner.ts for the protocol).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FileTree } from '../sandbox/file-tree.js';
import { analyseTrees, describePristine, reviveTree, type AnalysisInput } from './analysis.js';
import type { InspectContext } from './paths.js';
import type { WorkerMessage } from './analysis-runner.js';

interface WorkerInput {
  baseline: FileTree;
  final: FileTree;
  protectedGlobs: string[];
  context: InspectContext;
  cutPaths: string[];
  copyComplete: boolean;
  hiddenPaths?: string[];
  instruction?: string;
}

const port = parentPort;
if (port === null) throw new Error('analysis-worker.js runs only as a worker thread');
const data = workerData as WorkerInput;
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
const post = (message: WorkerMessage): void => port.postMessage(message);
const analysis = analyseTrees(input, (comparison) => post({ type: 'comparison', comparison }));
post({ type: 'done', diffPatch: analysis.diffPatch, rules: analysis.rules, pristine: describePristine(analysis.pristine, input) });
