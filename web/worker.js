// The lab's training in a worker of its own: the same module as the page. Its `main` sees it is
// in a worker and serves the page's messages instead of starting the game (src/lab/worker.rs).
import init from './morphogen.js';
init();
