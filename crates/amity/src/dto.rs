//! Response bodies, and the API version a request came through.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::roles::RoleView;
use crate::users::UserView;

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
