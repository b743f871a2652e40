//! A store that never answers: every operation is [`Error::StoreUnavailable`]. For tests of
//! what a flavor answers while its store is away (feature `contract`).

use async_trait::async_trait;
use chrono::Duration;

use crate::attempts::{Attempt, AttemptId, AttemptKey, Window};
use crate::error::{Error, Result};
use crate::model::{Cursor, Owner, Page, Rotation, Session, SessionId, SessionPatch, SessionRef};
use crate::plan::{Candidate, Created, Guard, NewSession, Revocation, Rotated};
use crate::store::{Joined, SessionStore};
use crate::token::TokenHash;

/// Answers [`Error::StoreUnavailable`] to everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct UnavailableStore;

fn down<T>() -> Result<T> {
    Err(Error::StoreUnavailable("the store is down (test)".into()))
}

#[async_trait]
impl SessionStore for UnavailableStore {
    async fn ping(&self) -> Result<()> {
        down()
    }
    async fn create_with(&self, _: NewSession) -> Result<Created> {
        down()
    }
    async fn get(&self, _: &SessionRef) -> Result<Option<Session>> {
        down()
    }
    async fn owner_sessions(&self, _: &Owner) -> Result<Vec<Session>> {
        down()
    }
    async fn owner_doc(&self, _: &Owner) -> Result<Option<Vec<u8>>> {
        down()
    }
    async fn touch(
        &self,
        _: &SessionRef,
        _: Duration,
        _: Option<Duration>,
    ) -> Result<Option<Session>> {
        down()
    }
    async fn mark_seen(&self, _: &SessionRef) -> Result<bool> {
        down()
    }
    async fn update_guarded(
        &self,
        _: &SessionRef,
        _: SessionPatch,
        _: Option<&Guard>,
    ) -> Result<Option<Session>> {
        down()
    }
    async fn revoke(&self, _: &SessionRef, _: Revocation<'_>) -> Result<usize> {
        down()
    }
    async fn list_by_owner(&self, _: &Owner, _: Option<&Cursor>, _: usize) -> Result<Page> {
        down()
    }
    async fn count_by_owner(&self, _: &Owner) -> Result<usize> {
        down()
    }
    async fn create_group_named(&self, _: Session, _: Vec<Candidate>) -> Result<usize> {
        down()
    }
    async fn join_group_named(
        &self,
        _: &SessionRef,
        _: Vec<Candidate>,
        _: Option<u32>,
        _: Option<&str>,
    ) -> Result<Joined> {
        down()
    }
    async fn list_members(&self, _: &SessionRef) -> Result<Vec<Session>> {
        down()
    }
    async fn remove_member_guarded(
        &self,
        _: &SessionRef,
        _: &SessionId,
        _: Option<&Guard>,
    ) -> Result<bool> {
        down()
    }
    async fn leave_group(
        &self,
        _: &SessionRef,
        _: &SessionId,
        _: Option<&Guard>,
        _: &str,
    ) -> Result<usize> {
        down()
    }
    async fn claim_nonce(&self, _: &str, _: Duration) -> Result<bool> {
        down()
    }
    async fn rotate_refresh(&self, _: &SessionRef, _: &TokenHash, _: Rotation) -> Result<Rotated> {
        down()
    }
    async fn issue_credential(&self, _: &Owner, _: &TokenHash, _: Duration, _: u32) -> Result<()> {
        down()
    }
    async fn count_attempt(&self, _: &AttemptKey, _: Window) -> Result<Attempt> {
        down()
    }
    async fn forget_attempt(&self, _: &AttemptKey, _: &AttemptId) -> Result<()> {
        down()
    }
    async fn scan_owners(&self, _: &str, _: &str, _: usize) -> Result<(Vec<Owner>, String)> {
        down()
    }
    async fn doc_get(&self, _: &str, _: &str) -> Result<Option<String>> {
        down()
    }
    async fn doc_put(&self, _: &str, _: &str, _: &str) -> Result<()> {
        down()
    }
    async fn doc_insert(&self, _: &str, _: &str, _: &str) -> Result<(String, bool)> {
        down()
    }
    async fn doc_delete(&self, _: &str, _: &str) -> Result<bool> {
        down()
    }
    async fn doc_list(&self, _: &str) -> Result<Vec<(String, String)>> {
        down()
    }
}
