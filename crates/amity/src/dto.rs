//! Request bodies (validated field by field, so every failure names its field) and response
//! bodies.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::errors::FieldError;
use crate::roles::RoleView;
use crate::users::{UserChanges, UserView};

/// Longest `userId`.
pub const USER_ID_MAX: usize = 50;
/// Longest `deviceId`.
pub const DEVICE_ID_MAX: usize = 150;
/// Longest `displayName` and `profileHandle`; `deviceInfo.model` is cut to this length.
pub const NAME_MAX: usize = 100;
/// Longest `deviceInfo.sdkVersion`.
pub const SDK_VERSION_MAX: usize = 30;
/// Longest `authToken`.
pub const AUTH_TOKEN_MAX: usize = 100;
/// Longest `refreshToken`.
pub const REFRESH_TOKEN_MAX: usize = 1024;
/// The `deviceInfo.kind` values.
pub const DEVICE_KINDS: [&str; 4] = ["ios", "android", "web", "node"];
/// `userId` prefixes v5 refuses.
pub const RESERVED_PREFIXES: [&str; 2] = ["ADMIN_", "DELETED_"];

/// The session API version a request came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// `/api/v3/sessions`.
    V3,
    /// `/api/v4/sessions` (adds `profileHandle`).
    V4,
    /// `/api/v5/sessions` (no refresh token; reserved `userId` prefixes).
    V5,
}

impl ApiVersion {
    /// `v3`, `v4` or `v5`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V3 => "v3",
            Self::V4 => "v4",
            Self::V5 => "v5",
        }
    }
}

// The request bodies as the document shows them. They are read as JSON objects and checked field
// by field (below), so these structs describe the wire, and the parsing code is the authority on
// it (the conformance tests hold their length limits to its constants). Unknown fields are
// ignored and `null` counts as absent everywhere.

/// `deviceInfo.kind`.
#[derive(ToSchema)]
#[schema(as = AmityDeviceKind, rename_all = "lowercase")]
pub enum DeviceKind {
    /// iOS.
    Ios,
    /// Android.
    Android,
    /// A browser.
    Web,
    /// Node.js.
    Node,
}

/// The device a session is issued to; kept in the access token's `user.deviceInfo` (other
/// members are dropped).
#[derive(ToSchema)]
#[schema(as = AmityDeviceInfo, rename_all = "camelCase")]
pub struct DeviceInfo {
    /// Required when `deviceInfo` is sent.
    pub kind: DeviceKind,
    /// Any length: only the first 100 characters are kept (browsers send their user agent).
    #[schema(example = "iPhone15,2")]
    pub model: Option<String>,
    /// The SDK's version.
    #[schema(max_length = 30, example = "6.30.0")]
    pub sdk_version: Option<String>,
}

/// The body of `POST /api/v3/sessions` (`profileHandle` is not part of v3 and is ignored).
#[derive(ToSchema)]
#[schema(as = AmityRegisterV3Request, rename_all = "camelCase")]
pub struct RegisterV3 {
    /// The user; created on first sight.
    #[schema(min_length = 1, max_length = 50, example = "alice")]
    pub user_id: String,
    /// The device; with `one_session_per_device`, a login retires the user's older sessions
    /// on it.
    #[schema(min_length = 1, max_length = 150, example = "laptop-1")]
    pub device_id: String,
    /// The device's description (`{}` when absent).
    pub device_info: Option<DeviceInfo>,
    /// The user's shown name; changes the stored user when sent.
    #[schema(max_length = 100, example = "Alice")]
    pub display_name: Option<String>,
    /// Required on a network in secure mode: a live token from the authentication-token
    /// routes for this `userId`. Only length-checked otherwise.
    #[schema(
        min_length = 1,
        max_length = 100,
        example = "5f1ed1f8c9a0c3d1b8e4a7f2c6d9e0b1a2c3d4e5"
    )]
    pub auth_token: Option<String>,
}

/// The body of `POST /api/v4/sessions`: v3's, plus `profileHandle`.
#[derive(ToSchema)]
#[schema(as = AmityRegisterV4Request, rename_all = "camelCase")]
pub struct RegisterV4 {
    /// The user; created on first sight.
    #[schema(min_length = 1, max_length = 50, example = "alice")]
    pub user_id: String,
    /// The device; with `one_session_per_device`, a login retires the user's older sessions
    /// on it.
    #[schema(min_length = 1, max_length = 150, example = "laptop-1")]
    pub device_id: String,
    /// The device's description (`{}` when absent).
    pub device_info: Option<DeviceInfo>,
    /// The user's shown name; changes the stored user when sent.
    #[schema(max_length = 100, example = "Alice")]
    pub display_name: Option<String>,
    /// The user's handle; changes the stored user when sent.
    #[schema(max_length = 100, example = "alice")]
    pub profile_handle: Option<String>,
    /// Required on a network in secure mode: a live token from the authentication-token
    /// routes for this `userId`. Only length-checked otherwise.
    #[schema(
        min_length = 1,
        max_length = 100,
        example = "5f1ed1f8c9a0c3d1b8e4a7f2c6d9e0b1a2c3d4e5"
    )]
    pub auth_token: Option<String>,
}

/// The body of `POST /api/v5/sessions`: v4's, with `userId` not starting with `ADMIN_` or
/// `DELETED_`.
#[derive(ToSchema)]
#[schema(as = AmityRegisterV5Request, rename_all = "camelCase")]
pub struct RegisterV5 {
    /// The user; created on first sight. Must not start with `ADMIN_` or `DELETED_`.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = "^(?!ADMIN_|DELETED_)",
        example = "alice"
    )]
    pub user_id: String,
    /// The device; with `one_session_per_device`, a login retires the user's older sessions
    /// on it (the SDK's renewal re-posts this route).
    #[schema(min_length = 1, max_length = 150, example = "laptop-1")]
    pub device_id: String,
    /// The device's description (`{}` when absent).
    pub device_info: Option<DeviceInfo>,
    /// The user's shown name; changes the stored user when sent.
    #[schema(max_length = 100, example = "Alice")]
    pub display_name: Option<String>,
    /// The user's handle; changes the stored user when sent.
    #[schema(max_length = 100, example = "alice")]
    pub profile_handle: Option<String>,
    /// Required on a network in secure mode: a live token from the authentication-token
    /// routes for this `userId`. Only length-checked otherwise.
    #[schema(
        min_length = 1,
        max_length = 100,
        example = "5f1ed1f8c9a0c3d1b8e4a7f2c6d9e0b1a2c3d4e5"
    )]
    pub auth_token: Option<String>,
}

/// The body of `POST /api/v4/sessions/refresh`.
#[derive(ToSchema)]
#[schema(as = AmityRefreshRequest, rename_all = "camelCase")]
pub struct Refresh {
    /// The `refreshToken` of the last login or refresh; each works once.
    #[schema(
        min_length = 1,
        max_length = 1024,
        example = "YWxpY2U.8693ab6ca453e91f63c6635a1a3ad71c.TRfAejqER2Njc3liW6jY4zNeJP6XyidY3Z3BP3wpNUI"
    )]
    pub refresh_token: String,
}

/// The body of `POST /api/v4/authentication/token`.
#[derive(ToSchema)]
#[schema(as = AmityAuthTokenRequest, rename_all = "camelCase")]
pub struct AuthToken {
    /// Whom the token is for.
    #[schema(min_length = 1, max_length = 50, example = "alice")]
    pub user_id: String,
}

/// The query of `GET /api/v3/authentication/token`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct AuthTokenQuery {
    /// Whom the token is for.
    #[param(min_length = 1, max_length = 50, example = "alice")]
    pub user_id: String,
}

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
        let user_id = f.string("userId", 1, USER_ID_MAX, true);
        if let Some(id) = &user_id {
            if version == ApiVersion::V5 {
                if let Some(p) = RESERVED_PREFIXES.iter().find(|p| id.starts_with(**p)) {
                    f.fail("userId", format!("\"userId\" must not start with \"{p}\""));
                }
            }
        }
        let device_id = f.string("deviceId", 1, DEVICE_ID_MAX, true);
        let device_info = f.device_info();
        let display_name = f.string("displayName", 0, NAME_MAX, false);
        let profile_handle = match version {
            ApiVersion::V3 => None,
            ApiVersion::V4 | ApiVersion::V5 => f.string("profileHandle", 0, NAME_MAX, false),
        };
        let auth_token = f.string("authToken", 1, AUTH_TOKEN_MAX, false);
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
        let refresh_token = only_string(body, "refreshToken", REFRESH_TOKEN_MAX)?;
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
        let user_id = only_string(body, "userId", USER_ID_MAX)?;
        Ok(Self { user_id })
    }
}

/// The one field of a body with a single required string `name` of 1 to `max` characters.
fn only_string(
    body: &Map<String, Value>,
    name: &str,
    max: usize,
) -> Result<String, Vec<FieldError>> {
    let mut f = Fields::new(body);
    let value = f.string(name, 1, max, true);
    f.finish()?;
    value.ok_or_else(|| vec![FieldError::new(name, format!("\"{name}\" is required"))])
}

/// Field-by-field reading of a JSON object that collects every failure.
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

    /// A string of `min..=max` characters; `null` counts as absent.
    fn string(&mut self, name: &str, min: usize, max: usize, required: bool) -> Option<String> {
        let value = self.body.get(name);
        check_string(value, name, min, max, required).unwrap_or_else(|e| {
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
                if let Err(e) = check_string(other, "deviceInfo.kind", 1, 16, true) {
                    self.errors.push(e);
                }
            }
        }
        // The official SDK sends `navigator.product#userAgent` as the model in browsers, which
        // is often longer than 100 characters: keep the first 100 rather than refuse a login.
        match check_string(info.get("model"), "deviceInfo.model", 0, usize::MAX, false) {
            Ok(Some(v)) => {
                let model: String = v.chars().take(NAME_MAX).collect();
                out.insert("model".into(), Value::String(model));
            }
            Ok(None) => {}
            Err(e) => self.errors.push(e),
        }
        let sdk = "deviceInfo.sdkVersion";
        match check_string(info.get("sdkVersion"), sdk, 0, SDK_VERSION_MAX, false) {
            Ok(Some(v)) => {
                out.insert("sdkVersion".into(), Value::String(v));
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

fn check_string(
    value: Option<&Value>,
    name: &str,
    min: usize,
    max: usize,
    required: bool,
) -> Result<Option<String>, FieldError> {
    let s = match value {
        None | Some(Value::Null) if required => {
            return Err(FieldError::new(name, format!("\"{name}\" is required")))
        }
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s,
        Some(_) => {
            return Err(FieldError::new(
                name,
                format!("\"{name}\" must be a string"),
            ))
        }
    };
    let len = s.chars().count();
    if len < min {
        let what = if min == 1 {
            "must not be empty".to_owned()
        } else {
            format!("length must be at least {min} characters")
        };
        return Err(FieldError::new(name, format!("\"{name}\" {what}")));
    }
    if len > max {
        return Err(FieldError::new(
            name,
            format!("\"{name}\" length must be less than or equal to {max} characters long"),
        ));
    }
    Ok(Some(s.clone()))
}

/// The session response of every version: v3, v4 and refresh carry `refreshToken`; v5 carries
/// `userType` instead.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AmitySession)]
pub struct SessionResponse {
    /// The access token: an HS256 JWT, sent as `Authorization: Bearer`.
    #[schema(example = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiIsImtpZCI6Ijc3NDk...")]
    pub access_token: String,
    /// v3, v4 and refresh only: `base64url(userId).sessionId.secret`, single use.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        nullable = false,
        example = "YWxpY2U.8693ab6ca453e91f63c6635a1a3ad71c.TRfAejqER2Njc3liW6jY4zNeJP6XyidY3Z3BP3wpNUI"
    )]
    pub refresh_token: Option<String>,
    /// ISO 8601 UTC with milliseconds (whole seconds): the JWT's `iat`.
    #[schema(example = "2026-11-22T04:27:29.000Z")]
    pub issued_at: String,
    /// ISO 8601 UTC; the JWT's `exp`.
    #[schema(example = "2026-12-22T04:27:29.000Z")]
    pub expires_at: String,
    /// The session's user (one).
    pub users: Vec<UserView>,
    /// The user's roles.
    pub roles: Vec<RoleView>,
    /// Always empty.
    #[schema(value_type = Vec<Object>, max_items = 0)]
    pub files: Vec<Value>,
    /// The network's cache purge time.
    #[schema(example = "2020-01-01T00:00:00.000Z")]
    pub last_cache_purge: String,
    /// v5 only: `signed-in`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, nullable = false, example = "signed-in")]
    pub user_type: Option<&'static str>,
}

/// `GET /api/v3/sessions`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AmitySessionCheck)]
pub struct SessionCheckResponse {
    /// The network's cache purge time.
    #[schema(example = "2020-01-01T00:00:00.000Z")]
    pub last_cache_purge: String,
}

/// `DELETE /api/v4/sessions`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = AmitySuccess)]
pub struct SuccessResponse {
    /// Always true.
    #[schema(example = true)]
    pub success: bool,
}

/// `GET /api/v3/network-settings/chat`: chat is on; mentions of channels, message previews and
/// read markers are off. (Fields in alphabetical order, as the body has always been written.)
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AmityChatSettings)]
pub struct ChatSettings {
    /// Always true.
    #[schema(example = true)]
    pub enabled: bool,
    /// Read markers.
    pub marker: Toggle,
    /// Mentions.
    pub mention: MentionSettings,
    /// Message previews.
    pub message_preview: MessagePreviewSettings,
}

impl ChatSettings {
    /// What this gateway serves.
    pub const SERVED: Self = Self {
        enabled: true,
        marker: Toggle { enabled: false },
        mention: MentionSettings {
            is_allow_mentioned_channel_enabled: false,
        },
        message_preview: MessagePreviewSettings {
            enabled: false,
            is_include_deleted: false,
        },
    };
}

/// A feature that is on or off.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = AmityToggle)]
pub struct Toggle {
    /// Always false here.
    pub enabled: bool,
}

/// `mention` of the chat settings.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AmityMentionSettings)]
pub struct MentionSettings {
    /// Always false.
    pub is_allow_mentioned_channel_enabled: bool,
}

/// `messagePreview` of the chat settings.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AmityMessagePreviewSettings)]
pub struct MessagePreviewSettings {
    /// Always false.
    pub enabled: bool,
    /// Always false.
    pub is_include_deleted: bool,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

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
