/**
 * What the bench and its HTTP target process (`http-target-process.ts`) say
 * to each other over the IPC channel of `child_process.fork`:
 *
 *   child → parent  { type: 'ready', info } | { type: 'failed', message }
 *   parent → child  { type: 'close' }
 *   child → parent  { type: 'closed', redisKeysDeleted }, then it exits
 *
 * Kept apart from the child's entry module, which starts serving as soon as
 * it is imported.
 */
import type { HttpTargetsInfo } from './http-targets.ts'

/** The child's options arrive as JSON in this variable (they hold the emulator's throwaway AppSecret, so not on the command line). */
export const TARGET_OPTIONS_ENV = 'MPL_BENCH_TARGETS'

export type TargetMessage =
  { type: 'ready'; info: HttpTargetsInfo } | { type: 'failed'; message: string } | { type: 'closed'; redisKeysDeleted: number }

export function isCloseMessage(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'close'
}
