//! `GET /admin/v1/testing/clock` and `POST /admin/v1/testing/clock`: read and move the clock.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use session_core::clock::to_millis;
use session_core::Clock;
use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

use super::Ctx;
use crate::admin::object::Object;
use crate::admin::openapi::{AdminErrorBody, NoBearer, StoreUnavailable};
use crate::admin::AdminError;
use crate::testing::clock::{Change, ClockState, COLLECTION, ID};

/// The longest single advance: about a hundred years.
const MAX_ADVANCE_SECONDS: f64 = 100.0 * 366.0 * 86_400.0;

/// The clock as every expiry decision reads it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = TestingClock)]
pub struct ClockView {
    /// The gateway's time.
    pub now: DateTime<Utc>,
    /// How far it is ahead of the system clock, in whole seconds.
    #[schema(example = 7201)]
    pub offset_seconds: i64,
    /// Whether it stands still.
    pub frozen: bool,
}

/// One change: exactly one member that is not null.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockChange {
    /// Moves the clock forward by this many seconds (0 or more; fractions are milliseconds).
    pub advance_seconds: Option<f64>,
    /// Sets the clock to this instant (RFC 3339), not earlier than its time now.
    pub set: Option<DateTime<Utc>>,
    /// Stops the clock where it stands (true) or lets it run on from there (false).
    pub freeze: Option<bool>,
    /// `true`: back to the system clock.
    pub reset: Option<bool>,
}

/// The members of a change, each with the schema of its value.
fn members() -> [(&'static str, Schema); 4] {
    let number = ObjectBuilder::new()
        .schema_type(Type::Number)
        .minimum(Some(0.0))
        .maximum(Some(MAX_ADVANCE_SECONDS))
        .description(Some(
            "Moves the clock forward by this many seconds (fractions are milliseconds).",
        ))
        .examples([json!(7201)]);
    let set = ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .description(Some(
            "Sets the clock to this instant (RFC 3339), not earlier than its time now and \
             before the year 10000.",
        ))
        .examples([json!("2030-01-01T00:00:00Z")]);
    let freeze = ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .description(Some(
            "Stops the clock where it stands (true) or lets it run on from there (false).",
        ));
    let reset = ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([true]))
        .description(Some("`true`: back to the system clock."));
    [
        ("advance_seconds", number.into()),
        ("set", set.into()),
        ("freeze", freeze.into()),
        ("reset", reset.into()),
    ]
}

/// Exactly one member not null: one object schema a member, the others null or absent.
impl utoipa::PartialSchema for ClockChange {
    fn schema() -> RefOr<Schema> {
        let mut one_of = OneOfBuilder::new().description(Some(
            "One change: exactly one of `advance_seconds`, `set`, `freeze`, `reset` (the others \
             absent or null).",
        ));
        for (given, _) in members() {
            let mut object = ObjectBuilder::new()
                .schema_type(Type::Object)
                .required(given)
                .additional_properties(Some(AdditionalProperties::FreeForm(false)));
            for (name, schema) in members() {
                object = match name == given {
                    true => object.property(name, schema),
                    false => object.property(name, ObjectBuilder::new().schema_type(Type::Null)),
                };
            }
            one_of = one_of.item(object);
        }
        one_of.into()
    }
}

impl ToSchema for ClockChange {
    fn name() -> std::borrow::Cow<'static, str> {
        "TestingClockChange".into()
    }
}

impl ClockChange {
    /// The change asked for, checked against the clock's time `now` (ms).
    fn change(&self, now: i64) -> Result<Change, AdminError> {
        let given = [
            self.advance_seconds.is_some(),
            self.set.is_some(),
            self.freeze.is_some(),
            self.reset.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(AdminError::Invalid(
                "give exactly one of advance_seconds, set, freeze, reset".into(),
            ));
        }
        if let Some(s) = self.advance_seconds {
            if !(0.0..=MAX_ADVANCE_SECONDS).contains(&s) {
                return Err(AdminError::Invalid(format!(
                    "advance_seconds must be between 0 and {MAX_ADVANCE_SECONDS}"
                )));
            }
            return Ok(Change::Advance((s * 1000.0).round() as i64));
        }
        if let Some(t) = self.set {
            let latest = Utc
                .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
                .single()
                .map_or(i64::MAX, to_millis);
            let t = to_millis(t);
            if t < now {
                return Err(AdminError::Invalid(
                    "set must not be earlier than the clock's time now (use reset to go back)"
                        .into(),
                ));
            }
            if t > latest {
                return Err(AdminError::Invalid(
                    "set must be before the year 10000".into(),
                ));
            }
            return Ok(Change::Set(t));
        }
        if let Some(f) = self.freeze {
            return Ok(Change::Freeze(f));
        }
        match self.reset {
            Some(true) => Ok(Change::Reset),
            _ => Err(AdminError::Invalid("reset must be true".into())),
        }
    }
}

fn view(ctx: &Ctx) -> ClockView {
    let now = ctx.testing.clock.now();
    ClockView {
        now,
        offset_seconds: (to_millis(now) - ctx.testing.clock.real_ms()) / 1000,
        frozen: ctx.testing.clock.state().frozen_at_ms.is_some(),
    }
}

/// The clock: its time, its offset from the system clock, whether it is frozen.
#[utoipa::path(get, path = "/admin/v1/testing/clock", tag = "testing",
    operation_id = "testing_clock",
    security(("AdminBearer" = [])),
    responses(
        (status = 200, description = "The clock.", body = ClockView),
        NoBearer,
    ),
)]
pub async fn show(ctx: web::Data<Ctx>) -> HttpResponse {
    HttpResponse::Ok().json(view(&ctx))
}

/// Moves the clock: forward, to an instant, frozen or running, or back to the system clock.
///
/// Every expiry decision of every flavor follows it, on every gateway process sharing the
/// store (each reads it back within `testing.clock_sync_ms`).
#[utoipa::path(post, path = "/admin/v1/testing/clock", tag = "testing",
    operation_id = "testing_move_clock",
    security(("AdminBearer" = [])),
    request_body(content = ClockChange, examples(
        ("advance" = (value = json!({"advance_seconds": 7201}))),
        ("set" = (value = json!({"set": "2030-01-01T00:00:00Z"}))),
        ("freeze" = (value = json!({"freeze": true}))),
        ("reset" = (value = json!({"reset": true}))),
    )),
    responses(
        (status = 200, description = "The clock after the change.", body = ClockView),
        NoBearer,
        (status = 422, description = "Not exactly one change, or one out of bounds.",
            body = AdminErrorBody),
        StoreUnavailable,
    ),
)]
pub async fn change(
    ctx: web::Data<Ctx>,
    body: Object<ClockChange>,
) -> Result<HttpResponse, AdminError> {
    let clock = &ctx.testing.clock;
    let local = clock.state();
    let stored = match ctx.store.doc_get(COLLECTION, ID).await? {
        Some(text) => serde_json::from_str::<ClockState>(&text).ok(),
        None => None,
    };
    let current = stored
        .filter(|s| s.generation >= local.generation)
        .unwrap_or(local);
    let real = clock.real_ms();
    let change = body.change(current.now(real))?;
    let next = current.after(change, real);
    let text = serde_json::to_string(&next).map_err(|_| AdminError::Internal)?;
    ctx.store.doc_put(COLLECTION, ID, &text).await?;
    clock.apply(next);
    Ok(HttpResponse::Ok().json(view(&ctx)))
}
