//! The fields of the two requests that carry credentials, each written once as a [`Field`]: the
//! parser checks it and the document shows it. Bodies are read field by field (see
//! [`crate::params`]), not deserialized.

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use flavor_kit::openapi::{flat_object, object, optional, with_one_of};

use crate::errors::{FieldProblem, RequestError};
use crate::params::{integer, Params};
use crate::settings::MAX_ID;

/// A member of a request body (form or JSON).
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Its name, then its aliases; the name is what errors and the document show.
    pub names: &'static [&'static str],
    /// An integer (with its minimum), or text.
    pub integer: Option<Option<i64>>,
    /// Whether a body needs it.
    pub required: bool,
    /// Whether JSON may send it as `null`.
    pub nullable: bool,
    /// Whether an empty text counts as not given (the document asks for at least one character).
    pub non_empty: bool,
    /// What the document says of it.
    pub description: &'static str,
    /// Its example, as JSON text.
    pub example: Option<&'static str>,
}

impl Field {
    /// Its name.
    pub fn name(&self) -> &'static str {
        self.names[0]
    }

    /// Its schema, as a property of a body.
    fn schema(&self) -> ObjectBuilder {
        // A JSON scalar is read as the text a form would carry (`true` as "true").
        let text = [Type::String, Type::Number, Type::Boolean];
        let ty = match (self.integer, self.nullable) {
            (Some(_), _) => SchemaType::Type(Type::Integer),
            (None, false) => SchemaType::Array(text.to_vec()),
            (None, true) => SchemaType::Array([&text[..], &[Type::Null]].concat()),
        };
        let example = self.example.and_then(|e| serde_json::from_str(e).ok());
        #[allow(deprecated)] // `example`: what the rest of the document uses.
        let schema = ObjectBuilder::new()
            .schema_type(ty)
            .format(
                self.integer
                    .map(|_| SchemaFormat::KnownFormat(KnownFormat::Int64)),
            )
            .description(Some(self.description))
            .example(example)
            .minimum(self.integer.flatten().map(|m| m as f64))
            .min_length(self.non_empty.then_some(1));
        schema
    }
}

/// `application_id`.
pub const APPLICATION_ID: Field = Field {
    names: &["application_id", "applicationId"],
    integer: Some(Some(1)),
    required: true,
    nullable: false,
    non_empty: false,
    description: "The application id (alias `applicationId`).",
    example: Some("4242"),
};
/// `auth_key`.
pub const AUTH_KEY: Field = Field {
    names: &["auth_key", "authKey"],
    integer: None,
    required: true,
    nullable: false,
    non_empty: false,
    description: "The application's auth key (alias `authKey`).",
    example: Some("\"k3yK3yK3y\""),
};
/// `timestamp`.
pub const TIMESTAMP: Field = Field {
    names: &["timestamp"],
    integer: Some(None),
    required: true,
    nullable: false,
    non_empty: false,
    description: "Unix seconds, within `timestamp_window_seconds` of the server's clock.",
    example: Some("1795321896"),
};
/// `nonce`.
pub const NONCE: Field = Field {
    names: &["nonce"],
    integer: Some(None),
    required: true,
    nullable: false,
    non_empty: false,
    description: "Any integer; the (application, timestamp, nonce) triple is accepted once.",
    example: Some("14632"),
};
/// `signature`, as the form documents it.
pub const SIGNATURE: Field = Field {
    names: &["signature"],
    integer: None,
    required: true,
    nullable: false,
    non_empty: false,
    description: "Hex HMAC-SHA1 (40 digits) or HMAC-SHA256 (64 digits) under the \
        application's\n`auth_secret` of the other parameters.",
    example: Some("\"2f0d5bbdc3cd4b4a38bb6f3c9b5e0d5f1e3b3f0a\""),
};
/// `user[login]` of a create.
pub const USER_LOGIN: Field = Field {
    names: &["user[login]"],
    integer: None,
    required: false,
    nullable: false,
    non_empty: false,
    description: "For a user session: the user's login (or give `user[email]`).",
    example: None,
};
/// `user[email]` of a create.
pub const USER_EMAIL: Field = Field {
    names: &["user[email]"],
    description: "For a user session: the user's e-mail address, instead of `user[login]`.",
    ..USER_LOGIN
};
/// `user[password]` of a create.
pub const USER_PASSWORD: Field = Field {
    names: &["user[password]"],
    non_empty: true,
    description: "For a user session: the user's password (with `user[login]` or `user[email]`).",
    ..USER_LOGIN
};
/// `login` of a login (also `user[login]`).
pub const LOGIN: Field = Field {
    names: &["login", "user[login]"],
    integer: None,
    required: false,
    nullable: true,
    non_empty: false,
    description: "The login.",
    example: Some("\"alice\""),
};
/// `email` of a login (also `user[email]`).
pub const EMAIL: Field = Field {
    names: &["email", "user[email]"],
    description: "The e-mail address, instead of the login.",
    example: None,
    ..LOGIN
};
/// `password` of a login (also `user[password]`).
pub const PASSWORD: Field = Field {
    names: &["password", "user[password]"],
    required: true,
    nullable: false,
    non_empty: true,
    description: "The password.",
    example: Some("\"alice-pass\""),
    ..LOGIN
};

// ---------------------------------------------------------------------------------------------
// The document: the bodies' schemas, built from the fields above.

/// The properties of `fields`.
fn properties(fields: &[Field]) -> Vec<(&'static str, RefOr<Schema>, bool)> {
    fields
        .iter()
        .map(|f| (f.name(), f.schema().into(), f.required))
        .collect()
}

/// The members a create's signature covers, and the session's.
const CREATE: [Field; 5] = [APPLICATION_ID, AUTH_KEY, TIMESTAMP, NONCE, SIGNATURE];

/// The form body of `POST /session.json`.
pub struct CreateSessionForm;
flavor_kit::documented!(
    CreateSessionForm,
    "QuickbloxCreateSessionForm",
    flat_object(
        "The form body of `POST /session.json`, what the SDKs send\n\
         (`application/x-www-form-urlencoded`). `applicationId` and `authKey` are accepted as\n\
         aliases. The signature covers every other parameter, `name=value` with decoded values, \
         sorted\nbytewise and joined with `&`.",
        properties(&[&CREATE[..], &[USER_LOGIN, USER_EMAIL, USER_PASSWORD]].concat()),
    ),
    |_| {}
);

/// The JSON body of `POST /session.json`.
pub struct CreateSessionJson;
flavor_kit::documented!(
    CreateSessionJson,
    "QuickbloxCreateSessionJson",
    {
        let mut fields = CREATE;
        fields[4].description = "Hex HMAC-SHA1 or HMAC-SHA256 of the other parameters (nested \
            ones flattened to\n`user[login]`).";
        let mut properties = properties(&fields);
        let user = optional(&UserCredentials::name(), "For a user session.");
        properties.push(("user", user, false));
        flat_object(
            "The JSON body of `POST /session.json`: the form's fields, numbers as numbers or \
             strings,\nthe user's credentials flat (`\"user[login]\"`) or nested under `user`.",
            properties,
        )
    },
    |schemas| schemas.push((
        UserCredentials::name().into_owned(),
        UserCredentials::schema()
    ))
);

/// A user's credentials, nested under `user` in a JSON create.
pub struct UserCredentials;
flavor_kit::documented!(
    UserCredentials,
    "QuickbloxUserCredentials",
    object(
        "A user's credentials: `login` or `email`, with `password`.",
        properties(&[LOGIN, EMAIL, PASSWORD]),
    ),
    |_| {}
);

/// The body of `POST /login.json`, form or JSON.
pub struct LoginBody;
flavor_kit::documented!(
    LoginBody,
    "QuickbloxLogin",
    with_one_of(
        flat_object(
            "The body of `POST /login.json`, form or JSON: `login` or `email` with `password` \
             (also\naccepted as `user[login]`, `user[email]`, `user[password]`, or nested under \
             `user`).",
            properties(&[LOGIN, EMAIL, PASSWORD]),
        ),
        &[LOGIN.name(), EMAIL.name()],
    ),
    |_| {}
);

// ---------------------------------------------------------------------------------------------
// The parser

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
    login: &Field,
    email: &Field,
    password: &Field,
) -> Result<Option<Credentials>, RequestError> {
    let non_empty = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_owned);
    let by_login = non_empty(params.one(login.names)?);
    let by_email = non_empty(params.one(email.names)?);
    let pass = params.one(password.names)?;
    let name = match (by_login, by_email) {
        (Some(l), _) => Some(Name::Login(l)),
        (None, Some(e)) => Some(Name::Email(e)),
        (None, None) => None,
    };
    match (name, pass) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(RequestError::field(login.name(), FieldProblem::Required)),
        (Some(_), None | Some("")) => {
            Err(RequestError::field(password.name(), FieldProblem::Required))
        }
        (Some(name), Some(p)) => Ok(Some(Credentials {
            name,
            password: p.to_owned(),
        })),
    }
}

impl CreateSession {
    /// Reads and checks the fields; the error names the first bad one.
    pub fn parse(params: &Params) -> Result<Self, RequestError> {
        let app = params.required(APPLICATION_ID.names)?;
        let application_id = integer(APPLICATION_ID.name(), app)?;
        let lowest = APPLICATION_ID.integer.flatten().unwrap_or(1);
        if !(lowest..=MAX_ID as i64).contains(&application_id) {
            return Err(RequestError::field(
                APPLICATION_ID.name(),
                FieldProblem::OutOfRange,
            ));
        }
        let auth_key = params.required(AUTH_KEY.names)?.to_owned();
        let timestamp = integer(TIMESTAMP.name(), params.required(TIMESTAMP.names)?)?;
        let nonce = integer(NONCE.name(), params.required(NONCE.names)?)?;
        let signature = params.required(SIGNATURE.names)?.to_owned();
        if params.has_prefix("provider") || params.has_prefix("keys[") {
            return Err(RequestError::field("provider", FieldProblem::NotSupported));
        }
        let user = credentials(params, &USER_LOGIN, &USER_EMAIL, &USER_PASSWORD)?;
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
    credentials(params, &LOGIN, &EMAIL, &PASSWORD)?
        .ok_or_else(|| RequestError::field(LOGIN.name(), FieldProblem::Required))
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
