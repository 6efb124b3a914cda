/** Settings of the full soak runs; `MPL_SOAK_USERS` and `MPL_SOAK_CONCURRENCY` override them (say, for a quick local try). */
export const SOAK_USERS = Number(process.env['MPL_SOAK_USERS'] ?? 10_000)
export const SOAK_CONCURRENCY = Number(process.env['MPL_SOAK_CONCURRENCY'] ?? 100)
/** The first users warm up JIT, pools and caches; the heap is compared over the rest. */
export const SOAK_WARMUP_USERS = Math.min(1_000, Math.floor(SOAK_USERS / 5))
/** A bound on memory, not on time: a leak of even a few KB per user would cross it over 10,000 users. */
export const HEAP_GROWTH_BOUND_BYTES = 50 * 1024 * 1024
