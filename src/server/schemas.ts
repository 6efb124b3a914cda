/** JSON schemas for every route: requests are checked, responses serialized only with the fields listed here. */

/** WeChat codes are short printable strings (32 characters today); 128 leaves room without inviting abuse. */
export const CODE_MAX_LENGTH = 128
/** Generous for any `encryptedData` WeChat produces (user info is well under 2 KB). */
export const ENCRYPTED_DATA_MAX_LENGTH = 16 * 1024

export const BODY_LIMITS = {
  login: 16 * 1024,
  session: 1024,
  decrypt: 32 * 1024,
  phone: 1024,
  sessionKey: 1024,
} as const

export const errorBodySchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
  },
} as const

const errorResponses = {
  '4xx': errorBodySchema,
  '5xx': errorBodySchema,
} as const

export const bearerHeadersSchema = {
  type: 'object',
  required: ['authorization'],
  properties: {
    // "Bearer" in any letter case, one or more spaces, a 43-character base64url token.
    authorization: { type: 'string', pattern: '^[Bb][Ee][Aa][Rr][Ee][Rr] +[A-Za-z0-9_-]{43}$' },
  },
} as const

/** A `{ code }` body: a WeChat code of printable ASCII (login codes are 32 characters, phone codes 64). */
const codeBody = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: {
    code: { type: 'string', minLength: 1, maxLength: CODE_MAX_LENGTH, pattern: '^[\\x21-\\x7E]+$' },
  },
} as const

/** An answer with no body (204), or the error shape. */
const noContentResponses = {
  204: { type: 'null' },
  ...errorResponses,
} as const

/** A 200 with exactly these fields, all required (the serializer drops anything else), or the error shape. */
function okWith<const Fields extends Record<string, object>>(properties: Fields) {
  return {
    200: { type: 'object', required: Object.keys(properties), properties },
    ...errorResponses,
  } as const
}

export const loginSchema = {
  body: codeBody,
  response: okWith({ token: { type: 'string' }, expiresAt: { type: 'integer' }, expiresIn: { type: 'integer' } }),
} as const

export const phoneSchema = {
  headers: bearerHeadersSchema,
  body: codeBody,
  response: okWith({ phoneNumber: { type: 'string' }, purePhoneNumber: { type: 'string' }, countryCode: { type: 'string' } }),
} as const

export const sessionKeySchema = {
  headers: bearerHeadersSchema,
  body: codeBody,
  response: noContentResponses,
} as const

export const sessionSchema = {
  headers: bearerHeadersSchema,
  response: okWith({ expiresAt: { type: 'integer' }, expiresIn: { type: 'integer' } }),
} as const

export const logoutSchema = {
  headers: bearerHeadersSchema,
  response: noContentResponses,
} as const

export const decryptSchema = {
  headers: bearerHeadersSchema,
  body: {
    type: 'object',
    required: ['encryptedData', 'iv'],
    additionalProperties: false,
    properties: {
      encryptedData: { type: 'string', minLength: 24, maxLength: ENCRYPTED_DATA_MAX_LENGTH, pattern: '^[A-Za-z0-9+/]+={0,2}$' },
      iv: { type: 'string', minLength: 24, maxLength: 24, pattern: '^[A-Za-z0-9+/]{22}==$' },
    },
  },
  response: okWith({ data: { type: 'object', additionalProperties: true } }),
} as const

export const healthSchema = {
  response: {
    200: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string' } },
    },
    503: {
      type: 'object',
      required: ['status', 'error'],
      properties: {
        status: { type: 'string' },
        error: { type: 'string' },
        message: { type: 'string' },
      },
    },
  },
} as const
