//! The request bodies (and the query) of the flavor, each member written once, as a [`Text`]:
//! its name, length bounds, description and example are what the parser checks and what the
//! document shows. Bodies are read as JSON objects and checked member by member, so that every
//! failure names its member; unknown members are ignored and `null` counts as absent.

use serde_json::{json, Map, Value};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, RefBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::openapi::Required;
use utoipa::{IntoParams, PartialSchema, ToSchema};

use flavor_kit::openapi::{object, optional, Schemas};

use crate::dto::ApiVersion;
use crate::errors::FieldError;
use crate::users::UserChanges;

/// A string member of a request.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    /// Its name on the wire.
    pub name: &'static str,
    /// Fewest characters.
    pub min: usize,
    /// Most characters (`usize::MAX`: any).
    pub max: usize,
    /// Whether it must be present (and not null).
    pub required: bool,
    /// What the document says of it.
    pub description: &'static str,
    /// Its example.
    pub example: &'static str,
}

impl Text {
    /// The same member, described otherwise.
    const fn described(self, description: &'static str) -> Self {
        Self {
            description,
            ..self
        }
    }

    /// Its schema, as a property of a body.
    fn schema(&self) -> ObjectBuilder {
        let ty = if self.required {
            SchemaType::Type(Type::String)
        } else {
            SchemaType::Array(vec![Type::String, Type::Null])
        };
        #[allow(deprecated)] // `example`: what the rest of the document uses.
        let schema = ObjectBuilder::new()
            .schema_type(ty)
            .description(Some(self.description))
            .example(Some(json!(self.example)))
            .min_length((self.min > 0).then_some(self.min))
            .max_length((self.max < usize::MAX).then_some(self.max));
        schema
    }
}

/// `userId`.
pub const USER_ID: Text = Text {
    name: "userId",
    min: 1,
    max: 50,
    required: true,
    description: "The user; created on first sight.",
    example: "alice",
};
/// `deviceId`.
pub const DEVICE_ID: Text = Text {
    name: "deviceId",
    min: 1,
    max: 150,
    required: true,
    description: "The device; with `one_session_per_device`, a login retires the user's older \
        sessions\non it.",
    example: "laptop-1",
};
/// `displayName`.
pub const DISPLAY_NAME: Text = Text {
    name: "displayName",
    min: 0,
    max: NAME_MAX,
    required: false,
    description: "The user's shown name; changes the stored user when sent.",
    example: "Alice",
};
/// `profileHandle` (v4 and later).
pub const PROFILE_HANDLE: Text = Text {
    name: "profileHandle",
    min: 0,
    max: NAME_MAX,
    required: false,
    description: "The user's handle; changes the stored user when sent.",
    example: "alice",
};
/// `authToken`.
pub const AUTH_TOKEN: Text = Text {
    name: "authToken",
    min: 1,
    max: 100,
    required: false,
    description: "Required on a network in secure mode: a live token from the \
        authentication-token\nroutes for this `userId`. Only length-checked otherwise.",
    example: "5f1ed1f8c9a0c3d1b8e4a7f2c6d9e0b1a2c3d4e5",
};
/// `deviceInfo.model`: any length, cut to [`NAME_MAX`] characters.
pub const MODEL: Text = Text {
    name: "model",
    min: 0,
    max: usize::MAX,
    required: false,
    description: "Any length: only the first 100 characters are kept (browsers send their user \
        agent).",
    example: "iPhone15,2",
};
/// `deviceInfo.sdkVersion`.
pub const SDK_VERSION: Text = Text {
    name: "sdkVersion",
    min: 0,
    max: 30,
    required: false,
    description: "The SDK's version.",
    example: "6.30.0",
};
/// `refreshToken`.
pub const REFRESH_TOKEN: Text = Text {
    name: "refreshToken",
    min: 1,
    max: 1024,
    required: true,
    description: "The `refreshToken` of the last login or refresh; each works once.",
    example: "YWxpY2U.8693ab6ca453e91f63c6635a1a3ad71c.TRfAejqER2Njc3liW6jY4zNeJP6XyidY3Z3BP3wpNUI",
};
/// The `userId` of a v5 login.
pub const USER_ID_V5: Text = USER_ID
    .described("The user; created on first sight. Must not start with `ADMIN_` or `DELETED_`.");
/// The `deviceId` of a v5 login.
pub const DEVICE_ID_V5: Text = DEVICE_ID.described(
    "The device; with `one_session_per_device`, a login retires the user's older sessions\non it \
     (the SDK's renewal re-posts this route).",
);
/// The `userId` of an auth token request.
pub const TOKEN_USER_ID: Text = USER_ID.described("Whom the token is for.");

/// Longest `displayName` and `profileHandle`; `deviceInfo.model` is cut to this length.
pub const NAME_MAX: usize = 100;
/// The `deviceInfo.kind` values.
pub const DEVICE_KINDS: [&str; 4] = ["ios", "android", "web", "node"];
/// `userId` prefixes v5 refuses.
pub const RESERVED_PREFIXES: [&str; 2] = ["ADMIN_", "DELETED_"];

impl ApiVersion {
    /// The string members of a login through this version, as the document shows them (the
    /// parser checks the same names and bounds; `deviceInfo` is an object of its own).
    fn members(self) -> &'static [Text] {
        match self {
            Self::V3 => &[USER_ID, DEVICE_ID, DISPLAY_NAME, AUTH_TOKEN],
            Self::V4 => &[USER_ID, DEVICE_ID, DISPLAY_NAME, PROFILE_HANDLE, AUTH_TOKEN],
            Self::V5 => &[
                USER_ID_V5,
                DEVICE_ID_V5,
                DISPLAY_NAME,
                PROFILE_HANDLE,
                AUTH_TOKEN,
            ],
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The document

/// The properties of `members`.
fn properties(members: &[Text]) -> Vec<(&'static str, RefOr<Schema>, bool)> {
    members
        .iter()
        .map(|m| (m.name, m.schema().into(), m.required))
        .collect()
}

/// The schemas a body with `deviceInfo` names.
fn device_schemas(schemas: &mut Schemas) {
    for (name, schema) in [
        (DeviceInfo::name(), DeviceInfo::schema()),
        (DeviceKind::name(), DeviceKind::schema()),
    ] {
        schemas.push((name.into_owned(), schema));
    }
}

/// The body of a login through `version`, described by `description`.
fn login(version: ApiVersion, description: &str) -> RefOr<Schema> {
    let mut properties = properties(version.members());
    let device = "The device's description (`{}` when absent).";
    properties.push(("deviceInfo", optional(&DeviceInfo::name(), device), false));
    let RefOr::T(Schema::Object(mut schema)) = object(description, properties) else {
        return RefOr::T(Schema::default());
    };
    if version == ApiVersion::V5 {
        if let Some(RefOr::T(Schema::Object(user_id))) = schema.properties.get_mut("userId") {
            user_id.pattern = Some(format!("^(?!{})", RESERVED_PREFIXES.join("|")));
        }
    }
    schema.into()
}

/// `deviceInfo.kind`.
pub struct DeviceKind;
flavor_kit::documented!(
    DeviceKind,
    "AmityDeviceKind",
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("`deviceInfo.kind`."))
        .enum_values(Some(DEVICE_KINDS))
        .into(),
    |_| {}
);

/// The device a session is issued to; kept in the access token's `user.deviceInfo`.
pub struct DeviceInfo;
flavor_kit::documented!(
    DeviceInfo,
    "AmityDeviceInfo",
    object(
        "The device a session is issued to; kept in the access token's `user.deviceInfo` \
         (other\nmembers are dropped).",
        [
            properties(&[MODEL, SDK_VERSION]),
            vec![(
                "kind",
                RefBuilder::new()
                    .ref_location_from_schema_name(DeviceKind::name())
                    .description(Some("Required when `deviceInfo` is sent."))
                    .build()
                    .into(),
                true,
            )],
        ]
        .concat(),
    ),
    |_| {}
);

/// The body of `POST /api/v3/sessions`.
pub struct RegisterV3;
flavor_kit::documented!(
    RegisterV3,
    "AmityRegisterV3Request",
    login(
        ApiVersion::V3,
        "The body of `POST /api/v3/sessions` (`profileHandle` is not part of v3 and is ignored).",
    ),
    device_schemas
);

/// The body of `POST /api/v4/sessions`.
pub struct RegisterV4;
flavor_kit::documented!(
    RegisterV4,
    "AmityRegisterV4Request",
    login(
        ApiVersion::V4,
        "The body of `POST /api/v4/sessions`: v3's, plus `profileHandle`.",
    ),
    device_schemas
);

/// The body of `POST /api/v5/sessions`.
pub struct RegisterV5;
flavor_kit::documented!(
    RegisterV5,
    "AmityRegisterV5Request",
    login(
        ApiVersion::V5,
        "The body of `POST /api/v5/sessions`: v4's, with `userId` not starting with `ADMIN_` \
         or\n`DELETED_`.",
    ),
    device_schemas
);

/// The body of `POST /api/v4/sessions/refresh`.
pub struct Refresh;
flavor_kit::documented!(
    Refresh,
    "AmityRefreshRequest",
    object(
        "The body of `POST /api/v4/sessions/refresh`.",
        properties(&[REFRESH_TOKEN])
    ),
    |_| {}
);

/// The body of `POST /api/v4/authentication/token`.
pub struct AuthToken;
flavor_kit::documented!(
    AuthToken,
    "AmityAuthTokenRequest",
    object(
        "The body of `POST /api/v4/authentication/token`.",
        properties(&[TOKEN_USER_ID])
    ),
    |_| {}
);

/// The query of `GET /api/v3/authentication/token`.
pub struct AuthTokenQuery;

impl IntoParams for AuthTokenQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let m = TOKEN_USER_ID;
        #[allow(deprecated)] // `example`: what the rest of the document uses.
        let parameter = ParameterBuilder::new()
            .name(m.name)
            .parameter_in(ParameterIn::Query)
            .description(Some(m.description))
            .required(Required::True)
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(m.min))
                    .max_length(Some(m.max)),
            ))
            .example(Some(json!(m.example)))
            .build();
        vec![parameter]
    }
}

// ---------------------------------------------------------------------------------------------
// The parser

/// `POST /api/v{3,4,5}/sessions`.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterRequest {
    /// `userId`.
    pub user_id: String,
    /// `deviceId`.
    pub device_id: String,
    /// `deviceInfo`, normalised (`{}` when absent).
    pub device_info: Value,
    /// `displayName` and `profileHandle`, when sent.
    pub changes: UserChanges,
    /// `authToken`, when sent.
    pub auth_token: Option<String>,
}

impl RegisterRequest {
    /// Validates a body; every failing field is listed.
    pub fn parse(body: &Map<String, Value>, version: ApiVersion) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::new(body);
        let user_id = f.string(&USER_ID);
        if let Some(id) = &user_id {
            if version == ApiVersion::V5 {
                if let Some(p) = RESERVED_PREFIXES.iter().find(|p| id.starts_with(**p)) {
                    f.fail("userId", format!("\"userId\" must not start with \"{p}\""));
                }
            }
        }
        let device_id = f.string(&DEVICE_ID);
        let device_info = f.device_info();
        let display_name = f.string(&DISPLAY_NAME);
        let profile_handle = match version {
            ApiVersion::V3 => None,
            ApiVersion::V4 | ApiVersion::V5 => f.string(&PROFILE_HANDLE),
        };
        let auth_token = f.string(&AUTH_TOKEN);
        match (f.finish(), user_id, device_id) {
            (Ok(()), Some(user_id), Some(device_id)) => Ok(Self {
                user_id,
                device_id,
                device_info,
                changes: UserChanges {
                    display_name,
                    profile_handle,
                },
                auth_token,
            }),
            (Err(errors), _, _) => Err(errors),
            _ => Err(vec![FieldError::new("userId", "\"userId\" is required")]),
        }
    }
}

/// The refresh request: `{refreshToken}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRequest {
    /// The refresh token to spend.
    pub refresh_token: String,
}

impl RefreshRequest {
    /// Validates a body.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, Vec<FieldError>> {
        let refresh_token = only_string(body, &REFRESH_TOKEN)?;
        Ok(Self { refresh_token })
    }
}

/// The secure-mode token request: `{userId}` (body or query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthTokenRequest {
    /// Whom the token is for.
    pub user_id: String,
}

impl AuthTokenRequest {
    /// Validates a body (or a query turned into an object).
    pub fn parse(body: &Map<String, Value>) -> Result<Self, Vec<FieldError>> {
        let user_id = only_string(body, &TOKEN_USER_ID)?;
        Ok(Self { user_id })
    }
}

/// The one member of a body with a single required string.
fn only_string(body: &Map<String, Value>, member: &Text) -> Result<String, Vec<FieldError>> {
    let mut f = Fields::new(body);
    let value = f.string(member);
    f.finish()?;
    let name = member.name;
    value.ok_or_else(|| vec![FieldError::new(name, format!("\"{name}\" is required"))])
}

/// Member-by-member reading of a JSON object that collects every failure.
struct Fields<'a> {
    body: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    fn new(body: &'a Map<String, Value>) -> Self {
        Self {
            body,
            errors: Vec::new(),
        }
    }

    fn fail(&mut self, path: &str, message: String) {
        self.errors.push(FieldError::new(path, message));
    }

    /// The string `member`; `null` counts as absent.
    fn string(&mut self, member: &Text) -> Option<String> {
        let value = self.body.get(member.name);
        check_string(value, member.name, member).unwrap_or_else(|e| {
            self.errors.push(e);
            None
        })
    }

    fn device_info(&mut self) -> Value {
        let info = match self.body.get("deviceInfo") {
            None | Some(Value::Null) => return Value::Object(Map::new()),
            Some(Value::Object(m)) => m,
            Some(_) => {
                self.fail("deviceInfo", "\"deviceInfo\" must be an object".into());
                return Value::Object(Map::new());
            }
        };
        let mut out = Map::new();
        match info.get("kind") {
            Some(Value::String(k)) if DEVICE_KINDS.contains(&k.as_str()) => {
                out.insert("kind".into(), Value::String(k.clone()));
            }
            Some(Value::String(_)) => self.fail(
                "deviceInfo.kind",
                "\"deviceInfo.kind\" must be one of [ios, android, web, node]".into(),
            ),
            other => {
                let kind = Text {
                    name: "kind",
                    min: 1,
                    max: 16,
                    required: true,
                    description: "",
                    example: "",
                };
                if let Err(e) = check_string(other, "deviceInfo.kind", &kind) {
                    self.errors.push(e);
                }
            }
        }
        // The official SDK sends `navigator.product#userAgent` as the model in browsers, which
        // is often longer than 100 characters: keep the first 100 rather than refuse a login.
        match check_string(info.get(MODEL.name), "deviceInfo.model", &MODEL) {
            Ok(Some(v)) => {
                let model: String = v.chars().take(NAME_MAX).collect();
                out.insert(MODEL.name.into(), Value::String(model));
            }
            Ok(None) => {}
            Err(e) => self.errors.push(e),
        }
        let sdk = "deviceInfo.sdkVersion";
        match check_string(info.get(SDK_VERSION.name), sdk, &SDK_VERSION) {
            Ok(Some(v)) => {
                out.insert(SDK_VERSION.name.into(), Value::String(v));
            }
            Ok(None) => {}
            Err(e) => self.errors.push(e),
        }
        Value::Object(out)
    }

    fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// `value` checked as `member`, named `path` in the failure.
fn check_string(
    value: Option<&Value>,
    path: &str,
    member: &Text,
) -> Result<Option<String>, FieldError> {
    let s = match value {
        None | Some(Value::Null) if member.required => {
            return Err(FieldError::new(path, format!("\"{path}\" is required")))
        }
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s,
        Some(_) => {
            return Err(FieldError::new(
                path,
                format!("\"{path}\" must be a string"),
            ))
        }
    };
    let (min, max) = (member.min, member.max);
    let len = s.chars().count();
    if len < min {
        let what = if min == 1 {
            "must not be empty".to_owned()
        } else {
            format!("length must be at least {min} characters")
        };
        return Err(FieldError::new(path, format!("\"{path}\" {what}")));
    }
    if len > max {
        return Err(FieldError::new(
            path,
            format!("\"{path}\" length must be less than or equal to {max} characters long"),
        ));
    }
    Ok(Some(s.clone()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn paths(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.path.join(".")).collect()
    }

    #[test]
    fn a_full_body_parses() {
        let r = RegisterRequest::parse(
            &obj(json!({
                "userId": "u", "deviceId": "d", "displayName": "D", "profileHandle": "h",
                "deviceInfo": {"kind": "ios", "model": "m", "sdkVersion": "1", "extra": 1},
                "authToken": "t", "unknown": true
            })),
            ApiVersion::V4,
        )
        .unwrap();
        assert_eq!(r.user_id, "u");
        assert_eq!(
            r.device_info,
            json!({"kind": "ios", "model": "m", "sdkVersion": "1"})
        );
        assert_eq!(r.changes.display_name.as_deref(), Some("D"));
        assert_eq!(r.changes.profile_handle.as_deref(), Some("h"));
        assert_eq!(r.auth_token.as_deref(), Some("t"));
    }

    #[test]
    fn v3_ignores_profile_handle_and_nulls_are_absent() {
        let r = RegisterRequest::parse(
            &obj(
                json!({"userId": "u", "deviceId": "d", "profileHandle": "h", "displayName": null}),
            ),
            ApiVersion::V3,
        )
        .unwrap();
        assert_eq!(r.changes, UserChanges::default());
        assert_eq!(r.device_info, json!({}));
    }

    #[test]
    fn lengths_are_inclusive() {
        let ok = json!({
            "userId": "u".repeat(50), "deviceId": "d".repeat(150), "displayName": "n".repeat(100),
            "profileHandle": "h".repeat(100), "authToken": "a".repeat(100),
            "deviceInfo": {"kind": "node", "model": "m".repeat(100), "sdkVersion": "s".repeat(30)}
        });
        assert!(RegisterRequest::parse(&obj(ok), ApiVersion::V4).is_ok());
        let bad = json!({
            "userId": "u".repeat(51), "deviceId": "d".repeat(151), "displayName": "n".repeat(101),
            "profileHandle": "h".repeat(101), "authToken": "a".repeat(101),
            "deviceInfo": {"kind": "node", "model": "m".repeat(101), "sdkVersion": "s".repeat(31)}
        });
        assert_eq!(
            paths(RegisterRequest::parse(&obj(bad), ApiVersion::V4).unwrap_err()),
            [
                "userId",
                "deviceId",
                "deviceInfo.sdkVersion",
                "displayName",
                "profileHandle",
                "authToken"
            ]
        );
        // A long model (a browser's user agent) is cut, not refused.
        let browser = json!({"userId": "u", "deviceId": "d",
                             "deviceInfo": {"kind": "web", "model": "é".repeat(130)}});
        let r = RegisterRequest::parse(&obj(browser), ApiVersion::V5).unwrap();
        assert_eq!(r.device_info["model"], "é".repeat(100));
        let typed =
            json!({"userId": "u", "deviceId": "d", "deviceInfo": {"kind": "web", "model": 1}});
        assert_eq!(
            paths(RegisterRequest::parse(&obj(typed), ApiVersion::V5).unwrap_err()),
            ["deviceInfo.model"]
        );
        // Characters, not bytes.
        let wide = json!({"userId": "é".repeat(50), "deviceId": "d"});
        assert!(RegisterRequest::parse(&obj(wide), ApiVersion::V3).is_ok());
    }

    #[test]
    fn types_kinds_and_prefixes_are_checked() {
        let bad = json!({"userId": 5, "deviceId": "", "deviceInfo": {"kind": "windows"}});
        let errors = RegisterRequest::parse(&obj(bad), ApiVersion::V3).unwrap_err();
        assert_eq!(
            paths(errors.clone()),
            ["userId", "deviceId", "deviceInfo.kind"]
        );
        assert_eq!(errors[0].message, "\"userId\" must be a string");
        let missing = RegisterRequest::parse(&obj(json!({"deviceInfo": "x"})), ApiVersion::V3);
        assert_eq!(
            paths(missing.unwrap_err()),
            ["userId", "deviceId", "deviceInfo"]
        );
        let no_kind = json!({"userId": "u", "deviceId": "d", "deviceInfo": {}});
        assert_eq!(
            paths(RegisterRequest::parse(&obj(no_kind), ApiVersion::V3).unwrap_err()),
            ["deviceInfo.kind"]
        );
        for id in ["ADMIN_x", "DELETED_x"] {
            let body = obj(json!({"userId": id, "deviceId": "d"}));
            assert!(RegisterRequest::parse(&body, ApiVersion::V4).is_ok());
            assert_eq!(
                paths(RegisterRequest::parse(&body, ApiVersion::V5).unwrap_err()),
                ["userId"]
            );
        }
    }
}
