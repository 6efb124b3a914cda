/** A promise with its resolve and reject at hand, and whether either was called. */
export interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (error: unknown) => void
  settled: boolean
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  const result: Deferred<T> = {
    promise,
    settled: false,
    resolve: (value) => {
      result.settled = true
      resolve(value)
    },
    reject: (error) => {
      result.settled = true
      reject(error)
    },
  }
  return result
}

/** A promise that never settles: a callback WeChat never calls. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => {})
}
