#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4
/**
 * (The shebang's --max-semi-space-size=4: a backup streams many short-lived objects — list
 * pages, sealed blobs — and a 4 MiB young generation collects them before they pile up;
 * peak memory drops by a fifth and runs get a little faster. MALLOC_ARENA_MAX=2: glibc gives
 * every thread that allocates (sealing workers, the thread pool) an arena of its own that
 * keeps freed memory; two arenas cut a large backup's peak by about a tenth. bin/strata, the
 * container image and the benchmarks set both too.)
 *
 * Compiling Strata and its libraries costs every command about a tenth of a second at
 * start (123 ms on an etcd backup's main thread; 31 ms with the cache). Node keeps the
 * compiled code in the user's own cache directory (never a shared one such as /tmp, which
 * another user could fill) and uses it while the sources are unchanged; where that
 * directory cannot be written, commands only start slower. NODE_DISABLE_COMPILE_CACHE=1
 * turns it off. The cache is enabled before anything else is loaded, so the command itself
 * comes after it, imported.
 */
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

const cacheHome = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
enableCompileCache(process.env['NODE_COMPILE_CACHE'] || join(cacheHome, 'strata', 'node-compile-cache'));
await import('./run.ts');
