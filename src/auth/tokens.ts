// JWTs as the older broker issued them: HS256 over {identity, iat, nbf, exp}, key = the secret's UTF-8 text.
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { TokenInvalidError, TokenMissingError } from '../errors.js';

const ALGORITHM = 'HS256';
const LEEWAY_SECONDS = 10;
/** Appended to the older library's message: what to check when a token's signature does not match. */
export const SIGNATURE_HINT = 'signed with another key? check QMB_SECRET_KEY / QMB_DATA_DIR';
/** Verified tokens remembered; CI jobs send the same token with every request. */
const CACHE_SIZE = 1000;

interface Verified {
  identity: number | string;
  exp: number;
  nbf: number;
}

/** The signing secret, or where to fetch it (the shared one in PostgreSQL): asked again until it answers. */
export type SecretSource = string | (() => Promise<string>);

export class TokenService {
  #key: Uint8Array | undefined;
  readonly #fetch: (() => Promise<string>) | undefined;
  #fetching: Promise<Uint8Array> | undefined;
  readonly #ttlSeconds: number;
  readonly #verified = new Map<string, Verified>();

  constructor(secret: SecretSource, ttlSeconds: number) {
    if (typeof secret === 'string' && secret.length === 0) throw new RangeError('the signing secret must not be empty');
    if (!(ttlSeconds > 0)) throw new RangeError('token lifetime must be positive');
    if (typeof secret === 'string') this.#key = new TextEncoder().encode(secret);
    else this.#fetch = secret;
    this.#ttlSeconds = ttlSeconds;
  }

  /** The key; fetched once when it comes from elsewhere (a failed fetch is tried again on the next call). */
  async #keyOf(): Promise<Uint8Array> {
    if (this.#key) return this.#key;
    const fetch = this.#fetch as () => Promise<string>;
    this.#fetching ??= fetch().then(
      (secret) => {
        if (secret.length === 0) throw new RangeError('the signing secret must not be empty');
        this.#key = new TextEncoder().encode(secret);
        return this.#key;
      },
      (err: unknown) => {
        this.#fetching = undefined;
        throw err;
      },
    );
    return this.#fetching;
  }

  /** Fetches the key now (at start), so a problem shows before the first request. */
  async ready(): Promise<void> {
    await this.#keyOf();
  }

  /** Signs a token for a user id. */
  async issue(identity: number, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
    const key = await this.#keyOf();
    return new SignJWT({ identity })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setIssuedAt(nowSeconds)
      .setNotBefore(nowSeconds)
      .setExpirationTime(nowSeconds + Math.round(this.#ttlSeconds))
      .sign(key);
  }

  /**
   * Verifies a token (HS256 only, exp required, 10 s leeway) and returns its identity. A token seen
   * before is answered from memory: its signature was checked then, only its times are checked again.
   */
  async verify(token: string, nowSeconds = Date.now() / 1000): Promise<number | string> {
    const known = this.#verified.get(token);
    if (known) {
      if (nowSeconds <= known.exp + LEEWAY_SECONDS && nowSeconds >= known.nbf - LEEWAY_SECONDS) return known.identity;
      this.#verified.delete(token);
    }
    const key = await this.#keyOf();
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [ALGORITHM],
        clockTolerance: LEEWAY_SECONDS,
        requiredClaims: ['exp'],
        currentDate: new Date(nowSeconds * 1000),
      }));
    } catch (err) {
      throw new TokenInvalidError(describe(err));
    }
    const identity = payload['identity'];
    if (typeof identity !== 'number' && typeof identity !== 'string') {
      throw new TokenInvalidError('Token has no identity', 'Invalid JWT');
    }
    if (this.#verified.size >= CACHE_SIZE) this.#verified.delete(this.#verified.keys().next().value as string);
    const nbf = typeof payload['nbf'] === 'number' ? payload['nbf'] : -Infinity;
    this.#verified.set(token, { identity, exp: payload['exp'] as number, nbf });
    return identity;
  }
}

function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'Signature has expired';
  // A well-formed token with a bad signature was most often minted for another broker or data dir.
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return `Signature verification failed (${SIGNATURE_HINT})`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'The specified alg value is not allowed';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'The token is not yet valid (nbf)';
    if (err.claim === 'exp') return 'Token has no expiry (exp)';
    return `Invalid claim ${err.claim}: ${err.reason}`;
  }
  if (err instanceof joseErrors.JOSENotSupported) return 'The specified alg value is not allowed';
  return 'Token is malformed';
}

/** Reads `Authorization: JWT <token>` or `Bearer <token>` (either case). */
export function tokenFromHeader(header: string | undefined): string {
  if (!header) throw new TokenMissingError();
  const parts = header.trim().split(/\s+/);
  const scheme = (parts[0] ?? '').toLowerCase();
  if (scheme !== 'jwt' && scheme !== 'bearer') throw new TokenInvalidError('Unsupported authorization type', 'Invalid JWT header');
  if (parts.length === 1) throw new TokenInvalidError('Token missing', 'Invalid JWT header');
  if (parts.length > 2) throw new TokenInvalidError('Token contains spaces', 'Invalid JWT header');
  return parts[1] as string;
}
