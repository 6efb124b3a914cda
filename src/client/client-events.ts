import type { LoginError } from '../contract/index.ts'

/**
 * What the client reports without throwing: failures that do not change the
 * outcome of the login (the user stays logged in, or stays logged out).
 */
export type LoginClientEvent =
  { type: 'storage_error'; operation: 'read' | 'write' | 'remove'; error: LoginError } | { type: 'logout_error'; error: LoginError }

export type LoginClientEventType = LoginClientEvent['type']
export type LoginClientEventListener<T extends LoginClientEventType> = (event: Extract<LoginClientEvent, { type: T }>) => void

/** A small typed emitter; a listener that throws does not stop the others. */
export function createClientEvents() {
  const listeners = new Map<LoginClientEventType, Set<(event: LoginClientEvent) => void>>()

  return {
    on<T extends LoginClientEventType>(type: T, listener: LoginClientEventListener<T>): () => void {
      const set = listeners.get(type) ?? new Set()
      const wrapped = listener as (event: LoginClientEvent) => void
      set.add(wrapped)
      listeners.set(type, set)
      return () => {
        set.delete(wrapped)
      }
    },
    emit(event: LoginClientEvent): void {
      for (const listener of listeners.get(event.type) ?? []) {
        try {
          listener(event)
        } catch (error) {
          // A broken listener must not break the login; surface it where developers look.
          console.error(`miniprogram-login: a '${event.type}' listener threw`, error)
        }
      }
    },
  }
}

export type ClientEvents = ReturnType<typeof createClientEvents>
