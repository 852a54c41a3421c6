// How hookbox runs a customer's transform: the body of a function of `event`, with the
// `platform` helpers in scope. See README.md.
import vm from 'node:vm';

/**
 * Runs `source` on `event` in a fresh context. `options.timeoutMs` stops a run that takes
 * longer (the production workers use none). Returns { status: 'finished', value } or
 * { status: 'threw', error } or { status: 'timed-out' }.
 */
export function runTransform(source, event, platform, options = {}) {
  const context = vm.createContext({ event, platform });
  const script = new vm.Script(`(function (event) {\n${source}\n})(event)`, { filename: 'transform.js' });
  try {
    const value = script.runInContext(context, options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs });
    // Transforms return plain data; copied out of the transform's context.
    return { status: 'finished', value: structuredClone(value) };
  } catch (err) {
    if (err?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { status: 'timed-out' };
    return { status: 'threw', error: err?.message ?? String(err) };
  }
}
