// The key under which the edge keeps the accounts service's answer about a request's credential
// for a few seconds (proxy_cache in /_auth), so a busy client is not checked on every request.
//
// nginx writes cache keys in clear into its cache files: the key is a SHA-256 of the credential
// (the Authorization header and the pi_session cookie), never the credential itself. It also
// names the one part of the request the answer depends on (an /api/auth/ path may be used with a
// temporary password). '' means "do not cache": no credential at all, or a state-changing request
// authenticated by the cookie, whose answer depends on its Origin (the CSRF check).
const crypto = require('crypto');

const SAFE = { GET: true, HEAD: true, OPTIONS: true };

function key(r) {
    const authorization = r.headersIn.Authorization || '';
    const cookie = r.variables.cookie_pi_session || '';
    const bearer = /^\s*bearer\s+\S/i.test(authorization);
    if (!bearer && !cookie) return '';
    if (!bearer && !SAFE[r.method]) return '';
    const area = r.variables.request_uri.startsWith('/api/auth/') ? 'auth' : 'api';
    const digest = crypto.createHash('sha256').update(authorization + '\n' + cookie).digest('base64url');
    return area + ':' + digest;
}

export default { key };
