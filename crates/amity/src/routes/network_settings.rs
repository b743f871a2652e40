//! `GET /api/v3/network-settings/chat`: the chat settings the official SDK reads at login.

use actix_web::{web, HttpRequest, HttpResponse};
use flavor_kit::Reply;

use crate::auth;
use crate::dto::ChatSettings;
use crate::errors::Body as ErrorBody;
use crate::routes::answers::ServerErrors;
use crate::state::State;

/// The network's chat settings
///
/// What the official SDK reads at login. Chat is on; mentions of channels, message previews and read markers are off.
#[utoipa::path(get, path = "/api/v3/network-settings/chat", operation_id = "amity_get_chat_settings",
    responses(
        (status = 200, description = "The chat settings (always the same).", body = ChatSettings,
            example = json!({"enabled": true, "marker": {"enabled": false},
                "mention": {"isAllowMentionedChannelEnabled": false},
                "messagePreview": {"enabled": false, "isIncludeDeleted": false}})),
        (status = 401, description = "A missing, malformed, forged, expired or revoked access \
            token.", body = ErrorBody,
            examples(
                ("missing" = (value = json!({"status": "error", "code": 400100, "message": "Missing access token (Authorization: Bearer)"}))),
                ("invalid" = (value = json!({"status": "error", "code": 400100, "message": "Invalid access token"}))),
                ("expired" = (value = json!({"status": "error", "code": 400100, "message": "Access token has expired"}))),
                ("revoked" = (value = json!({"status": "error", "code": 400100, "message": "Access token has been revoked"}))),
            )),
        ServerErrors,
    ),
    security(("AmityBearer" = [])),
)]
pub async fn chat(state: web::Data<State>, req: HttpRequest) -> Reply {
    auth::authenticate(&state, &req).await?;
    Ok(HttpResponse::Ok().json(ChatSettings::SERVED))
}
