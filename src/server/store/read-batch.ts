/**
 * Reads that arrive in the same turn of the event loop, answered together.
 * On a busy server the session checks of several requests reach the store
 * between two turns; SQLite then serves them in one read transaction, so the
 * locks a read transaction takes and releases (system calls on the
 * database's shared-memory file) are paid once per turn, not once per check.
 * Each read still starts after its request arrived and sees every commit made
 * before the batch began, in this process or another.
 */

// Taken at load: a test that fakes the global timers must not hold reads back forever.
const nextTurn = setImmediate

interface PendingRead<K, V> {
  key: K
  resolve(value: V): void
  reject(error: unknown): void
}

export class ReadBatch<K, V> {
  private pending: Array<PendingRead<K, V>> = []

  /** `readAll` answers one value per key, in order; when it fails, every read of the batch fails with its error. */
  constructor(private readonly readAll: (keys: readonly K[]) => Promise<readonly V[]>) {}

  read(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      if (this.pending.push({ key, resolve, reject }) === 1) nextTurn(() => this.flush())
    })
  }

  private flush(): void {
    const batch = this.pending
    this.pending = []
    let answered: Promise<readonly V[]>
    try {
      answered = this.readAll(batch.map((read) => read.key))
    } catch (error) {
      answered = Promise.reject(error)
    }
    answered.then(
      (values) => {
        for (let i = 0; i < batch.length; i++) (batch[i] as PendingRead<K, V>).resolve(values[i] as V)
      },
      (error: unknown) => {
        for (const read of batch) read.reject(error)
      },
    )
  }
}
