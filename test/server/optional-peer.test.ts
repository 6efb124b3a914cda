import { describe, expect, it } from 'vitest'
import { loadOptionalPeer, MissingPeerDependencyError } from '../../src/server/optional-peer.ts'

function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- /app/dist/server.js`), { code: 'MODULE_NOT_FOUND' })
}

describe('loadOptionalPeer', () => {
  it('loads a package that is installed', () => {
    expect(loadOptionalPeer<{ Redis: unknown }>('ioredis', 'the Redis store').Redis).toBeTypeOf('function')
  })

  it('names the package to install, in one line, when it is missing', () => {
    let thrown: unknown
    try {
      loadOptionalPeer('ioredis', 'the Redis session store', (name) => {
        throw notFound(name)
      })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(MissingPeerDependencyError)
    const error = thrown as MissingPeerDependencyError
    expect(error.packageName).toBe('ioredis')
    expect(error.message).toBe(
      "miniprogram-login: the Redis session store needs the package 'ioredis'; install it with `npm install ioredis`",
    )
    expect(error.message).not.toContain('\n')
  })

  it('lets through a failure of a package that is there but broken', () => {
    const broken = Object.assign(new Error("Cannot find module './build/Release/better_sqlite3.node'"), { code: 'MODULE_NOT_FOUND' })
    expect(() =>
      loadOptionalPeer('better-sqlite3', 'the SQLite session store', () => {
        throw broken
      }),
    ).toThrow(broken)
  })
})
