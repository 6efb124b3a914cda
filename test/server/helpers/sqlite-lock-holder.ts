/**
 * Another process holding a SQLite file's write lock (`BEGIN IMMEDIATE`) until
 * told to let go, as a second server, a backup job or a migration would.
 */
import { spawn } from 'node:child_process'

export interface LockHolder {
  /** Rolls back, closes the database and waits for the process to end. */
  release(): Promise<void>
}

const HOLDER_SCRIPT = `
const Database = require('better-sqlite3')
const db = new Database(process.argv[1])
db.pragma('busy_timeout = 5000')
db.exec('BEGIN IMMEDIATE')
process.stdout.write('locked\\n')
process.stdin.once('data', () => {
  db.exec('ROLLBACK')
  db.close()
  process.exit(0)
})
`

export async function holdWriteLock(path: string): Promise<LockHolder> {
  const child = spawn(process.execPath, ['--input-type=commonjs', '-e', HOLDER_SCRIPT, path], {
    cwd: process.cwd(),
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)))
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('locked')) resolve()
    })
  })
  return {
    async release() {
      child.stdin.write('go\n')
      await exited
    },
  }
}
