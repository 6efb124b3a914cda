/**
 * The SQLite file and its companions (`-wal`, `-shm`) readable by the
 * server's own user only: the folders the store creates are 0700, the
 * database file 0600 (an existing one is narrowed), and SQLite creates the
 * WAL and shared-memory files with the database file's mode.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'
import { dirname } from 'node:path'

const FOLDER_MODE = 0o700
const FILE_MODE = 0o600

function narrow(path: string): void {
  if (!existsSync(path)) return
  if ((statSync(path).mode & 0o777 & ~FILE_MODE) !== 0) chmodSync(path, FILE_MODE)
}

/** Creates the missing folders (0700) and the database file (0600), and narrows existing files to 0600. */
export function prepareDatabaseFiles(path: string): void {
  // Only the folders created here get 0700: an existing folder (say /tmp) is the owner's business.
  mkdirSync(dirname(path), { recursive: true, mode: FOLDER_MODE })
  closeSync(openSync(path, 'a', FILE_MODE))
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) narrow(file)
}
