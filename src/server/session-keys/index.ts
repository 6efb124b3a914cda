export { createSessionKeyService, SESSION_KEY_VERDICT_TTL_MS } from './session-key-service.ts'
export type { SessionKeyService } from './session-key-service.ts'
