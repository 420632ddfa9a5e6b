/**
 * Generic OAuth 2.0 authorization code + PKCE client for CRMs that use OAuth (Jobber,
 * Housecall Pro). See client.ts and docs/sandbox/oauth.md.
 */
export {
  CODE_VERIFIER_PATTERN,
  createOAuthClient,
  DEFAULT_REFRESH_SKEW_MS,
  DEFAULT_TIMEOUT_MS,
  parseAuthorizationCallback,
  pkceChallenge,
  randomToken,
  statesMatch,
  type AuthorizationCallback,
  type AuthorizationRequest,
  type OAuthClient,
  type OAuthClientConfig,
  type OAuthTokens,
} from "./client";
