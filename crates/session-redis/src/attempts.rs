//! Attempt windows (`session_core::attempts`): one sorted set `P:3:a:{<key>}` a window, counted
//! by the library's `attempt` function in one step and taken back with one `ZREM`.

use redis::Value;
use session_core::{Attempt, AttemptId, AttemptKey, Error, Result, Window};

use crate::codec::{int, string};
use crate::scripts::SCRIPTS;
use crate::RedisStore;

impl RedisStore {
    /// Counts an attempt in `key`'s window unless it is full.
    pub(crate) async fn attempt(&self, key: &AttemptKey, window: Window) -> Result<Attempt> {
        let k = self.keys.attempts(key.as_str());
        let args = [
            window.max.max(1).to_string().into_bytes(),
            window
                .span
                .num_milliseconds()
                .max(1)
                .to_string()
                .into_bytes(),
        ];
        let (_, st, mut items) = self
            .function("count_attempt", &SCRIPTS.attempt, &[&k], &args, false)
            .await?;
        let detail = items.next().unwrap_or(Value::Nil);
        match st.as_str() {
            "ok" => Ok(Attempt::Counted(AttemptId::new(string(
                "count_attempt",
                detail,
            )?))),
            "refused" => Ok(Attempt::Refused {
                retry_after: chrono::Duration::milliseconds(int("count_attempt", detail)?.max(1)),
            }),
            other => Err(Error::Internal(format!(
                "count_attempt: unexpected status {other}"
            ))),
        }
    }

    /// Takes the attempt `id` out of `key`'s window.
    pub(crate) async fn forget(&self, key: &AttemptKey, id: &AttemptId) -> Result<()> {
        let mut cmd = redis::cmd("ZREM");
        cmd.arg(self.keys.attempts(key.as_str())).arg(id.as_str());
        self.query("forget_attempt", cmd, false).await.map(|_| ())
    }
}
