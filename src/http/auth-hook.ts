// Who is calling: the token from the Authorization header, checked against the users (file or PostgreSQL).
import type { FastifyRequest } from 'fastify';
import type { TokenService } from '../auth/tokens.js';
import { tokenFromHeader } from '../auth/tokens.js';
import type { User, UserDirectory } from '../auth/users.js';
import { TokenInvalidError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    user?: User;
  }
  interface FastifyContextConfig {
    /** Errors on this route use the older broker's status codes. */
    legacy?: boolean;
  }
}

/** Returns an onRequest hook that sets request.user or throws a 401 error. */
export function authenticate(tokens: TokenService, users: UserDirectory) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = tokenFromHeader(request.headers.authorization);
    const identity = await tokens.verify(token);
    const user = users.byId(Number(identity));
    if (!user || String(user.id) !== String(identity)) throw new TokenInvalidError('User does not exist', 'Invalid JWT');
    request.user = user;
  };
}
