// Tests boot User-Mode Linux guests through the same runner the demo uses.
export { cleanupUml, defaultModules, runInUml, type UmlOptions, type UmlResult } from '../../operator/uml/run.js';
