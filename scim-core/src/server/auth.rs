//! Authentication: who is calling, and for which tenant.

use crate::ScimError;
use http::request::Parts;

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The tenant every store call of the request is scoped to.
    pub tenant: String,
    /// Who is acting (a client name, never the credential itself), for
    /// provisioning events and logs.
    pub actor: String,
}

/// Decides who a request comes from. Implementations must not log or echo
/// credentials.
pub trait Authenticator: Send + Sync + 'static {
    /// The principal of an authenticated request, or a 401 [`ScimError`].
    fn authenticate(&self, request: &Parts) -> Result<Principal, ScimError>;
}

/// Bearer-token authentication: each token maps to a principal. Tokens are
/// compared in constant time, so response timing does not reveal how much
/// of a guess was right.
#[derive(Clone, Default)]
pub struct BearerTokens {
    tokens: Vec<(Vec<u8>, Principal)>,
}

impl std::fmt::Debug for BearerTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the tokens themselves.
        f.debug_struct("BearerTokens")
            .field("tokens", &self.tokens.len())
            .finish()
    }
}

impl BearerTokens {
    /// No tokens: every request is refused.
    pub fn new() -> Self {
        BearerTokens::default()
    }

    /// Adds a token for a tenant; the actor is the tenant name.
    pub fn with_token(self, token: impl Into<String>, tenant: impl Into<String>) -> Self {
        let tenant = tenant.into();
        self.with_principal(
            token,
            Principal {
                actor: tenant.clone(),
                tenant,
            },
        )
    }

    /// Adds a token for a principal.
    pub fn with_principal(mut self, token: impl Into<String>, principal: Principal) -> Self {
        self.tokens.push((token.into().into_bytes(), principal));
        self
    }
}

/// Compares two byte strings in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

impl Authenticator for BearerTokens {
    fn authenticate(&self, request: &Parts) -> Result<Principal, ScimError> {
        let header = request
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ScimError::unauthorized("Authorization: Bearer token required"))?;
        let (scheme, token) = header
            .trim()
            .split_once(' ')
            .ok_or_else(|| ScimError::unauthorized("Authorization: Bearer token required"))?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ScimError::unauthorized(
                "only Bearer authentication is supported",
            ));
        }
        let token = token.trim().as_bytes();
        // Check every token, so timing does not depend on which matched.
        let mut found = None;
        for (candidate, principal) in &self.tokens {
            if constant_time_eq(candidate, token) && found.is_none() {
                found = Some(principal);
            }
        }
        found
            .cloned()
            .ok_or_else(|| ScimError::unauthorized("invalid bearer token"))
    }
}

/// Lets every request in, as the given tenant. For tests and for
/// applications that authenticate in a layer in front of the server.
#[derive(Debug, Clone)]
pub struct AllowAll {
    /// The principal every request gets.
    pub principal: Principal,
}

impl Authenticator for AllowAll {
    fn authenticate(&self, _request: &Parts) -> Result<Principal, ScimError> {
        Ok(self.principal.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(auth: Option<&str>) -> Parts {
        let mut b = http::Request::builder().uri("/Users");
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        b.body(())
            .map(|r| r.into_parts().0)
            .unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn bearer_token_yields_its_tenant() {
        let auth = BearerTokens::new()
            .with_token("s3cret", "acme")
            .with_token("other", "globex");
        assert_eq!(
            auth.authenticate(&parts(Some("Bearer other")))
                .map(|p| p.tenant),
            Ok("globex".into())
        );
        assert_eq!(
            auth.authenticate(&parts(Some("bearer s3cret")))
                .map(|p| p.tenant),
            Ok("acme".into())
        );
    }

    #[test]
    fn wrong_missing_or_other_scheme_is_401() {
        let auth = BearerTokens::new().with_token("s3cret", "acme");
        for h in [
            None,
            Some("Bearer s3cre"),
            Some("Bearer s3cret2"),
            Some("Basic czNjcmV0"),
            Some("Bearer"),
        ] {
            let e = auth.authenticate(&parts(h)).err().map(|e| e.status());
            assert_eq!(e, Some(401), "{h:?}");
        }
    }

    #[test]
    fn debug_does_not_print_tokens() {
        let auth = BearerTokens::new().with_token("s3cret", "acme");
        assert!(!format!("{auth:?}").contains("s3cret"));
    }
}
