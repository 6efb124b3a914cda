import { expect } from 'vitest'
import { LoginError } from '../../src/contract/index.ts'

/** What `promise` rejected with; fails the test when it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** The `LoginError` `promise` rejected with; fails the test when it resolves, or rejects with anything else. */
export async function loginRejection(promise: Promise<unknown>): Promise<LoginError> {
  const error = await rejection(promise)
  expect(error).toBeInstanceOf(LoginError)
  return error as LoginError
}
