/**
 * The OAuth CRMs FlowPay can connect to (Jobber, Housecall Pro — not FieldRoutes, which uses
 * per-office keys), from CRM_OAUTH_PROVIDERS: a JSON array of
 * `{ crm, authorizeUrl, tokenUrl, clientId, clientSecret, scopes?, clientAuth? }`.
 * Every provider redirects back to the API contract's callback,
 * `${APP_URL}/api/v1/crm/fieldroutes/callback`; the pending authorization (oauth_states) says
 * which CRM it was for.
 */
import { z } from "zod";
import { createOAuthClient, type OAuthClient } from "~/adapters/oauth/index";
import { appUrl, ConfigError, getEnv } from "~/app/config/env.server";

export const oauthCallbackPath = "/api/v1/crm/fieldroutes/callback";

const providersSchema = z.array(
  z.object({
    crm: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
    authorizeUrl: z.url(),
    tokenUrl: z.url(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    scopes: z.array(z.string().min(1)).default([]),
    clientAuth: z.enum(["basic", "body"]).optional(),
  }),
);
type Provider = z.infer<typeof providersSchema>[number];

/** The configured providers (throws ConfigError on a bad CRM_OAUTH_PROVIDERS). */
export function oauthProviders(): Provider[] {
  const raw = getEnv().CRM_OAUTH_PROVIDERS;
  if (!raw) return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError("Invalid configuration:\n  CRM_OAUTH_PROVIDERS: must be a JSON array");
  }
  const parsed = providersSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join(".") || "(value)");
    throw new ConfigError(
      `Invalid configuration:\n  CRM_OAUTH_PROVIDERS: bad or missing ${[...new Set(fields)].join(", ")}`,
    );
  }
  return parsed.data;
}

export function oauthRedirectUri(): string {
  return `${appUrl().replace(/\/$/, "")}${oauthCallbackPath}`;
}

const clients = new Map<string, { fingerprint: string; client: OAuthClient }>();

/** The OAuth client of `crm`, or null when that CRM is not configured for OAuth. */
export function oauthClientFor(crm: string): OAuthClient | null {
  const provider = oauthProviders().find((p) => p.crm === crm);
  if (!provider) return null;
  const redirectUri = oauthRedirectUri();
  const fingerprint = JSON.stringify([provider, redirectUri]);
  const cached = clients.get(crm);
  if (cached?.fingerprint === fingerprint) return cached.client;
  const client = createOAuthClient({
    authorizeUrl: provider.authorizeUrl,
    tokenUrl: provider.tokenUrl,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    redirectUri,
    scopes: provider.scopes,
    partner: crm,
    ...(provider.clientAuth ? { clientAuth: provider.clientAuth } : {}),
  });
  clients.set(crm, { fingerprint, client });
  return client;
}
