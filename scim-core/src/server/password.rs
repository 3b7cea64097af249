//! Passwords are never stored in clear: a written `password` is handed to a
//! [`PasswordHook`] (argon2id hashing by default) before the resource
//! reaches the store. `password` is writeOnly/returned never in the schema,
//! so it is never answered either.

use crate::ScimError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use serde_json::Value;

/// What happens to a password a client writes.
pub trait PasswordHook: Send + Sync + 'static {
    /// Called with the clear text of a new `password` of a resource of
    /// `resource_type` in `tenant`. Returns the value to store in its place
    /// (a hash), or `None` to store nothing (the application keeps it
    /// elsewhere). An error fails the write.
    fn store(
        &self,
        tenant: &str,
        resource_type: &str,
        clear: &str,
    ) -> Result<Option<String>, ScimError>;
}

/// Hashes passwords with argon2id (PHC string format, random salt).
#[derive(Debug, Clone, Default)]
pub struct Argon2Passwords {
    params: Option<argon2::Params>,
}

impl Argon2Passwords {
    /// argon2id with the crate's default (OWASP-recommended) parameters.
    pub fn new() -> Self {
        Argon2Passwords::default()
    }

    /// argon2id with explicit parameters (memory in KiB, iterations,
    /// parallelism), e.g. cheaper ones for tests.
    pub fn with_params(m_cost: u32, t_cost: u32, p_cost: u32) -> Result<Self, ScimError> {
        let params = argon2::Params::new(m_cost, t_cost, p_cost, None)
            .map_err(|e| ScimError::internal(format!("argon2 parameters: {e}")))?;
        Ok(Argon2Passwords {
            params: Some(params),
        })
    }
}

impl PasswordHook for Argon2Passwords {
    fn store(
        &self,
        _tenant: &str,
        _resource_type: &str,
        clear: &str,
    ) -> Result<Option<String>, ScimError> {
        let argon = match &self.params {
            Some(p) => Argon2::new(
                argon2::Algorithm::Argon2id,
                argon2::Version::V0x13,
                p.clone(),
            ),
            None => Argon2::default(),
        };
        let salt = SaltString::generate(&mut OsRng);
        argon
            .hash_password(clear.as_bytes(), &salt)
            .map(|h| Some(h.to_string()))
            .map_err(|e| ScimError::internal(format!("could not hash the password: {e}")))
    }
}

/// The attribute name of passwords in the core schemas.
const PASSWORD: &str = "password";

/// Replaces a newly written clear-text `password` in `next` by what the
/// hook stores. A password carried over unchanged from `previous` (already
/// stored form) is left alone.
pub(crate) fn secure(
    hook: &dyn PasswordHook,
    tenant: &str,
    resource_type: &str,
    next: &mut Value,
    previous: Option<&Value>,
) -> Result<(), ScimError> {
    let Value::Object(obj) = next else {
        return Ok(());
    };
    let Some(Value::String(clear)) = obj.get(PASSWORD) else {
        return Ok(());
    };
    if previous
        .and_then(|p| p.get(PASSWORD))
        .and_then(Value::as_str)
        == Some(clear.as_str())
    {
        return Ok(());
    }
    match hook.store(tenant, resource_type, clear)? {
        Some(stored) => {
            obj.insert(PASSWORD.into(), Value::String(stored));
        }
        None => {
            obj.remove(PASSWORD);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cheap() -> Argon2Passwords {
        Argon2Passwords::with_params(256, 1, 1).unwrap_or_default()
    }

    #[test]
    fn new_password_is_hashed_and_unchanged_one_is_kept() {
        let hook = cheap();
        let mut user = json!({"userName": "a", "password": "t1meMa$heen"});
        assert!(secure(&hook, "t", "User", &mut user, None).is_ok());
        let stored = user["password"].as_str().unwrap_or_default().to_owned();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("t1meMa$heen"));
        let mut again = user.clone();
        assert!(secure(&hook, "t", "User", &mut again, Some(&user)).is_ok());
        assert_eq!(again["password"], stored.as_str());
    }

    #[test]
    fn a_hook_may_keep_nothing() {
        struct Elsewhere;
        impl PasswordHook for Elsewhere {
            fn store(&self, _: &str, _: &str, _: &str) -> Result<Option<String>, ScimError> {
                Ok(None)
            }
        }
        let mut user = json!({"userName": "a", "password": "x"});
        assert!(secure(&Elsewhere, "t", "User", &mut user, None).is_ok());
        assert!(user.get("password").is_none());
    }
}
