/** The torture run (harness.ts) that `npm test` runs bounded and `npm run torture` runs long. */
export { runTorture, type TortureOptions, type TortureReport } from './harness.ts';
