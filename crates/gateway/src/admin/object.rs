//! [`Object`]: a JSON body that must be an object, as every body of the admin API is. serde reads
//! a struct from an array too (`[null, null]`); this extractor refuses anything but an object.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::AdminError;

/// A body that is a JSON object, read as `T` (within the scope's `JsonConfig`).
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<T> Object<T> {
    /// The value read.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Object<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Object<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let object = web::Json::<Map<String, Value>>::from_request(req, payload);
        Box::pin(async move {
            let web::Json(members) = object.await?;
            serde_json::from_value(Value::Object(members))
                .map(Object)
                .map_err(|e| AdminError::Invalid(format!("body: {e}")).into())
        })
    }
}
