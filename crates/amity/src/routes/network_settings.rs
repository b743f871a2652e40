//! `GET /api/v3/network-settings/chat`: the chat settings the official SDK reads at login.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::auth::{self, AuthError};
use crate::routes::AmityState;

/// Chat is on; mentions of channels, message previews and read markers are off.
pub async fn chat(
    state: web::Data<AmityState>,
    req: HttpRequest,
) -> Result<HttpResponse, AuthError> {
    auth::authenticate(&state, &req).await?;
    Ok(HttpResponse::Ok().json(json!({
        "enabled": true,
        "mention": {"isAllowMentionedChannelEnabled": false},
        "messagePreview": {"enabled": false, "isIncludeDeleted": false},
        "marker": {"enabled": false},
    })))
}
