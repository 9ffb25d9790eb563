// A real OpenID Connect provider for the single sign-on tests: panva's oidc-provider, certified by
// the OpenID Foundation, on 127.0.0.1. Started by tests/sso/conftest.py with:
//   PORT               the port to listen on (the issuer is http://127.0.0.1:PORT)
//   SIGNING_KEY_FILE   the RSA private key as a JWK (the tests sign their own tokens with it too)
//   ACCOUNTS_FILE      {"<login>": {"password": "...", "claims": {"sub": "...", "groups": [...]}}},
//                      read at every login, so a test can change an account's claims between logins
//   CLIENT_ID, CLIENT_SECRET
// Test-only choices: no TLS, any port of localhost/127.0.0.1/testserver is a valid redirect URI
// (the live server's port is chosen after this starts), and consent is implied for the one client.
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const signingKey = JSON.parse(readFileSync(process.env.SIGNING_KEY_FILE, 'utf8'));
const readAccounts = () => JSON.parse(readFileSync(process.env.ACCOUNTS_FILE, 'utf8'));
const CALLBACK_PATH = '/accounts/oidc/callback/';
const POST_LOGOUT_PATH = '/accounts/login/';
const TEST_HOSTS = new Set(['testserver', 'localhost', '127.0.0.1']);

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;

function findAccountBySub(sub) {
  return Object.values(readAccounts()).find((account) => account.claims.sub === sub);
}

const configuration = {
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: [`http://testserver${CALLBACK_PATH}`],
      post_logout_redirect_uris: [`http://testserver${POST_LOGOUT_PATH}`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [signingKey] },
  // Our client must send a PKCE challenge, or the provider refuses it.
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'groups'],
  },
  cookies: { keys: ['test-only-cookie-signing-key'] },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page(
          'Sign out',
          `${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`,
        );
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<p>You are signed out.</p>');
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = findAccountBySub(sub);
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ ...account.claims, sub }) };
  },
  // The one client is first party: consent is implied, as for an organisation's own app.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error', `<pre>${escape(JSON.stringify(out))}</pre>`);
  },
};

const provider = new Provider(issuer, configuration);

// Errors go to the log the fixture keeps (provider.log in the session's temporary folder).
for (const event of ['server_error', 'authorization.error', 'grant.error', 'end_session.error']) {
  provider.on(event, (ctx, error) => console.error(event, error, error.cause ?? ''));
}

const testUriAllowed = (value, path) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' && TEST_HOSTS.has(url.hostname) && url.pathname === path
      && !url.search && !url.hash;
  } catch {
    return false;
  }
};
provider.Client.prototype.redirectUriAllowed = (value) => testUriAllowed(value, CALLBACK_PATH);
provider.Client.prototype.postLogoutRedirectUriAllowed = (value) => testUriAllowed(value, POST_LOGOUT_PATH);

const loginForm = (uid, message = '') => page(
  'Test identity provider: sign in',
  `${message ? `<p role="alert">${escape(message)}</p>` : ''}
  <form method="post" action="/interaction/${escape(uid)}/login">
    <label for="login">Login</label> <input id="login" name="login" autocomplete="off">
    <label for="password">Password</label> <input id="password" name="password" type="password">
    <button type="submit">Sign in</button>
  </form>`,
);

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET' && !action) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(loginForm(uid));
    return;
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const account = readAccounts()[form.get('login') ?? ''];
    if (!account || account.password !== form.get('password')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(loginForm(uid, 'Wrong login or password.'));
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.claims.sub } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  res.writeHead(405);
  res.end();
}

const handler = provider.callback();
const server = http.createServer((req, res) => {
  const match = new URL(req.url, issuer).pathname.match(/^\/interaction\/([^/]+)(?:\/(login))?$/);
  if (!match) {
    handler(req, res);
    return;
  }
  interaction(req, res, match[1], match[2]).catch((error) => {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`interaction failed: ${error.message}`);
  });
});
server.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
