// The SSO-OIDC CreateToken operation of the loopback fake (POST /token, restJson1): what the SDK calls to refresh an
// SSO access token that is within 5 minutes of expiry. A refresh token it issued (or `fake-sso-refresh-token`) gets
// the fake's SSO access token, which the fake's SSO portal accepts.
export const SSO_REFRESH_TOKEN = "fake-sso-refresh-token";
export const SSO_CLIENT = { clientId: "fake-sso-client-id", clientSecret: "fake-sso-client-secret-abcdefgh" };

export function ssoOidcCreateToken(body: Buffer, accessToken: string): { status: number; json: object; errorType?: string } {
  let req: Record<string, unknown>;
  try {
    req = JSON.parse(body.toString("utf8") || "{}");
  } catch {
    return { status: 400, errorType: "InvalidRequestException", json: { error: "invalid_request", error_description: "the body is not JSON" } };
  }
  if (req.grantType !== "refresh_token" || req.clientId !== SSO_CLIENT.clientId || req.clientSecret !== SSO_CLIENT.clientSecret) {
    return { status: 400, errorType: "InvalidClientException", json: { error: "invalid_client", error_description: "unknown client or grant" } };
  }
  if (req.refreshToken !== SSO_REFRESH_TOKEN) return { status: 400, errorType: "InvalidGrantException", json: { error: "invalid_grant", error_description: "refresh token unknown" } };
  return { status: 200, json: { accessToken, expiresIn: 3600, refreshToken: SSO_REFRESH_TOKEN, tokenType: "Bearer" } };
}
