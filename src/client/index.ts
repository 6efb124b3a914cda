export { createLoginClient } from './create-login-client.ts'
export type { LoginClient, LoginClientOptions, LoginSnapshot, Unsubscribe } from './create-login-client.ts'
export type { LoginClientEvent, LoginClientEventListener, LoginClientEventType } from './client-events.ts'
export { DEFAULT_STORAGE_KEY, readStoredSession, removeStoredSession, writeStoredSession } from './session-storage.ts'
