//! The fields of the two requests that carry credentials, checked and typed.

use utoipa::ToSchema;

use crate::errors::{FieldProblem, RequestError};
use crate::params::{integer, Params};
use crate::settings::MAX_ID;

// The bodies as the document shows them. They are read field by field (see [`crate::params`] and
// the parsers below), not deserialized, so these structs describe the wire, and the parsing code
// is the authority on it.

/// The form body of `POST /session.json`, what the SDKs send
/// (`application/x-www-form-urlencoded`). `applicationId` and `authKey` are accepted as
/// aliases. The signature covers every other parameter, `name=value` with decoded values, sorted
/// bytewise and joined with `&`.
#[derive(ToSchema)]
#[schema(as = QuickbloxCreateSessionForm)]
pub struct CreateSessionForm {
    /// The application id (alias `applicationId`).
    #[schema(example = 4242, minimum = 1)]
    pub application_id: u64,
    /// The application's auth key (alias `authKey`).
    #[schema(example = "k3yK3yK3y")]
    pub auth_key: String,
    /// Unix seconds, within `timestamp_window_seconds` of the server's clock.
    #[schema(example = 1795321896)]
    pub timestamp: i64,
    /// Any integer; the (application, timestamp, nonce) triple is accepted once.
    #[schema(example = 14632)]
    pub nonce: i64,
    /// Hex HMAC-SHA1 (40 digits) or HMAC-SHA256 (64 digits) under the application's
    /// `auth_secret` of the other parameters.
    #[schema(example = "2f0d5bbdc3cd4b4a38bb6f3c9b5e0d5f1e3b3f0a")]
    pub signature: String,
    /// For a user session: the user's login (or give `user[email]`).
    #[schema(rename = "user[login]", required = false)]
    pub user_login: String,
    /// For a user session: the user's e-mail address, instead of `user[login]`.
    #[schema(rename = "user[email]", required = false)]
    pub user_email: String,
    /// For a user session: the user's password.
    #[schema(rename = "user[password]", required = false)]
    pub user_password: String,
}

/// The JSON body of `POST /session.json`: the form's fields, numbers as numbers or strings,
/// the user's credentials flat (`"user[login]"`) or nested under `user`.
#[derive(ToSchema)]
#[schema(as = QuickbloxCreateSessionJson)]
pub struct CreateSessionJson {
    /// The application id (alias `applicationId`).
    #[schema(example = 4242, minimum = 1)]
    pub application_id: u64,
    /// The application's auth key (alias `authKey`).
    #[schema(example = "k3yK3yK3y")]
    pub auth_key: String,
    /// Unix seconds, within `timestamp_window_seconds` of the server's clock.
    #[schema(example = 1795321896)]
    pub timestamp: i64,
    /// Any integer; the (application, timestamp, nonce) triple is accepted once.
    #[schema(example = 14632)]
    pub nonce: i64,
    /// Hex HMAC-SHA1 or HMAC-SHA256 of the other parameters (nested ones flattened to
    /// `user[login]`).
    #[schema(example = "2f0d5bbdc3cd4b4a38bb6f3c9b5e0d5f1e3b3f0a")]
    pub signature: String,
    /// For a user session.
    pub user: Option<UserCredentials>,
}

/// A user's credentials: `login` or `email`, with `password`.
#[derive(ToSchema)]
#[schema(as = QuickbloxUserCredentials)]
pub struct UserCredentials {
    /// The login.
    #[schema(example = "alice")]
    pub login: Option<String>,
    /// The e-mail address, instead of the login.
    pub email: Option<String>,
    /// The password.
    #[schema(example = "alice-pass")]
    pub password: String,
}

/// The body of `POST /login.json`, form or JSON: `login` or `email` with `password` (also
/// accepted as `user[login]`, `user[email]`, `user[password]`, or nested under `user`).
#[derive(ToSchema)]
#[schema(as = QuickbloxLogin)]
pub struct LoginBody {
    /// The login.
    #[schema(example = "alice")]
    pub login: Option<String>,
    /// The e-mail address, instead of the login.
    pub email: Option<String>,
    /// The password.
    #[schema(example = "alice-pass")]
    pub password: String,
}

/// How a user names itself, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Name {
    /// By login.
    Login(String),
    /// By e-mail address.
    Email(String),
}

/// A user's login (or e-mail) and password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Who.
    pub name: Name,
    /// The password as sent.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// `POST /session.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSession {
    /// `application_id` (or `applicationId`).
    pub application_id: u64,
    /// `auth_key` (or `authKey`).
    pub auth_key: String,
    /// `timestamp`, Unix seconds.
    pub timestamp: i64,
    /// `nonce`.
    pub nonce: i64,
    /// `signature`, hex.
    pub signature: String,
    /// `user[login]` or `user[email]` with `user[password]`, for a user session.
    pub user: Option<Credentials>,
}

fn credentials(
    params: &Params,
    login: &[&str],
    email: &[&str],
    password: &[&str],
) -> Result<Option<Credentials>, RequestError> {
    let non_empty = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_owned);
    let by_login = non_empty(params.one(login)?);
    let by_email = non_empty(params.one(email)?);
    let pass = params.one(password)?;
    let name = match (by_login, by_email) {
        (Some(l), _) => Some(Name::Login(l)),
        (None, Some(e)) => Some(Name::Email(e)),
        (None, None) => None,
    };
    match (name, pass) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(RequestError::field(login[0], FieldProblem::Required)),
        (Some(_), None | Some("")) => Err(RequestError::field(password[0], FieldProblem::Required)),
        (Some(name), Some(p)) => Ok(Some(Credentials {
            name,
            password: p.to_owned(),
        })),
    }
}

impl CreateSession {
    /// Reads and checks the fields; the error names the first bad one.
    pub fn parse(params: &Params) -> Result<Self, RequestError> {
        let app = params.required(&["application_id", "applicationId"])?;
        let application_id = integer("application_id", app)?;
        if !(1..=MAX_ID as i64).contains(&application_id) {
            return Err(RequestError::field(
                "application_id",
                FieldProblem::OutOfRange,
            ));
        }
        let auth_key = params.required(&["auth_key", "authKey"])?.to_owned();
        let timestamp = integer("timestamp", params.required(&["timestamp"])?)?;
        let nonce = integer("nonce", params.required(&["nonce"])?)?;
        let signature = params.required(&["signature"])?.to_owned();
        if params.has_prefix("provider") || params.has_prefix("keys[") {
            return Err(RequestError::field("provider", FieldProblem::NotSupported));
        }
        let user = credentials(
            params,
            &["user[login]"],
            &["user[email]"],
            &["user[password]"],
        )?;
        Ok(Self {
            application_id: application_id as u64,
            auth_key,
            timestamp,
            nonce,
            signature,
            user,
        })
    }
}

/// `POST /login.json`: `login` or `email` with `password` (also accepted nested under `user`).
pub fn login(params: &Params) -> Result<Credentials, RequestError> {
    credentials(
        params,
        &["login", "user[login]"],
        &["email", "user[email]"],
        &["password", "user[password]"],
    )?
    .ok_or_else(|| RequestError::field("login", FieldProblem::Required))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::Malformed;

    fn p(s: &str) -> Params {
        Params::from_form(s.as_bytes(), Malformed::Form).unwrap()
    }

    fn problem(r: Result<impl std::fmt::Debug, RequestError>) -> (String, FieldProblem) {
        match r {
            Err(RequestError::Field { field, problem }) => (field, problem),
            other => panic!("{other:?}"),
        }
    }

    const BASE: &str = "application_id=4242&auth_key=k&timestamp=1&nonce=-5&signature=s";

    #[test]
    fn a_complete_request_parses_in_either_spelling() {
        let c = CreateSession::parse(&p(BASE)).unwrap();
        assert_eq!((c.application_id, c.nonce, c.user), (4242, -5, None));
        let c = CreateSession::parse(&p(
            "applicationId=4242&authKey=k&timestamp=1&nonce=2&signature=s&user[email]=a@b&user[password]=x",
        ))
        .unwrap();
        assert_eq!(c.auth_key, "k");
        assert_eq!(c.user.unwrap().name, Name::Email("a@b".into()));
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            (
                "auth_key=k&timestamp=1&nonce=1&signature=s",
                "application_id",
                FieldProblem::Required,
            ),
            (
                "application_id=x&auth_key=k&timestamp=1&nonce=1&signature=s",
                "application_id",
                FieldProblem::NotInteger,
            ),
            (
                "application_id=0&auth_key=k&timestamp=1&nonce=1&signature=s",
                "application_id",
                FieldProblem::OutOfRange,
            ),
            (
                "application_id=1&timestamp=1&nonce=1&signature=s",
                "auth_key",
                FieldProblem::Required,
            ),
            (
                "application_id=1&auth_key=k&nonce=1&signature=s",
                "timestamp",
                FieldProblem::Required,
            ),
            (
                "application_id=1&auth_key=k&timestamp=1e9&nonce=1&signature=s",
                "timestamp",
                FieldProblem::NotInteger,
            ),
            (
                "application_id=1&auth_key=k&timestamp=1&nonce=99999999999999999999&signature=s",
                "nonce",
                FieldProblem::OutOfRange,
            ),
            (
                "application_id=1&auth_key=k&timestamp=1&nonce=1",
                "signature",
                FieldProblem::Required,
            ),
            (
                "application_id=1&auth_key=k&timestamp=1&nonce=1&signature=s&nonce=2",
                "nonce",
                FieldProblem::Repeated,
            ),
        ];
        for (q, field, want) in cases {
            assert_eq!(
                problem(CreateSession::parse(&p(q))),
                (field.into(), want),
                "{q}"
            );
        }
        for (extra, field, want) in [
            ("&user[password]=x", "user[login]", FieldProblem::Required),
            ("&user[login]=a", "user[password]", FieldProblem::Required),
            (
                "&provider=facebook&keys[token]=t",
                "provider",
                FieldProblem::NotSupported,
            ),
        ] {
            assert_eq!(
                problem(CreateSession::parse(&p(&format!("{BASE}{extra}")))),
                (field.into(), want)
            );
        }
    }

    #[test]
    fn login_bodies() {
        assert_eq!(
            login(&p("login=alice&password=pw")).unwrap().name,
            Name::Login("alice".into())
        );
        assert_eq!(
            login(&p("user[email]=a@b&user[password]=pw")).unwrap().name,
            Name::Email("a@b".into())
        );
        assert_eq!(
            problem(login(&p("password=pw"))),
            ("login".into(), FieldProblem::Required)
        );
        assert_eq!(
            problem(login(&p("login=a"))),
            ("password".into(), FieldProblem::Required)
        );
        assert_eq!(
            problem(login(&p("x=1"))),
            ("login".into(), FieldProblem::Required)
        );
    }

    #[test]
    fn debug_hides_passwords() {
        let c = login(&p("login=alice&password=hunter2")).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
