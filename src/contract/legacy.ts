// The older broker's routes as the document shows them: identification and login.
import { Type } from '@sinclair/typebox';

/** `GET /`: what the older broker answered, word for word. */
export const InfoAnswer = Type.Object(
  { type: Type.Literal('INFO'), data: Type.Literal('Quality Metrics') },
  { additionalProperties: false, description: 'the broker answers' },
);

/**
 * The login body. Only documentation: a missing or malformed body is answered 401 "Invalid
 * credentials", as the older broker did, not 400.
 */
export const LoginBody = Type.Object(
  { username: Type.String(), password: Type.String() },
  { additionalProperties: true, examples: [{ username: 'ci', password: 'secret' }] },
);

/** A successful login. */
export const TokenAnswer = Type.Object(
  { access_token: Type.String({ description: 'HS256 JWT; send as `Authorization: JWT <token>` or `Bearer <token>`' }) },
  { additionalProperties: false, description: 'a token' },
);
