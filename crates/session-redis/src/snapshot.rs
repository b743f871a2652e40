//! Whole owners out of and into Redis, for testing mode (never on a request path): an export is
//! one `HGETALL`, an import and a removal one function each (`restore`, `wipe`) in the owner's
//! slot; clearing nonce claims scans every primary.

use redis::Value;
use session_core::clock::{from_millis, to_millis};
use session_core::snapshot::{CredentialDump, OwnerDump, Removed, SpentPrefix, SPENT_PREFIX_LEN};
use session_core::{Error, Owner, Result, SessionId, TokenHash};

use crate::codec::{bytes, int, owner_sessions, record_args};
use crate::scripts::SCRIPTS;
use crate::{unexpected_status, RedisStore};

fn corrupt(what: &str) -> Error {
    Error::Internal(format!("redis export_owner: a bad {what} field"))
}

fn u48(b: &[u8]) -> i64 {
    b.iter().fold(0i64, |acc, x| (acc << 8) | i64::from(*x))
}

fn put_u48(out: &mut Vec<u8>, ms: i64) {
    out.extend_from_slice(&ms.clamp(0, (1 << 48) - 1).to_be_bytes()[2..]);
}

fn count(n: usize) -> Vec<u8> {
    n.to_string().into_bytes()
}

impl RedisStore {
    /// Everything `owner` holds that is live now.
    pub(crate) async fn export(&self, owner: &Owner) -> Result<Option<OwnerDump>> {
        let all = self.hgetall("export_owner", owner).await?;
        let now = self.now_ms();
        let mut dump = OwnerDump::new(owner.clone());
        dump.sessions = owner_sessions(owner, all.clone(), now)?;
        let mut it = all.into_iter();
        while let (Some(f), Some(v)) = (it.next(), it.next()) {
            let f = bytes("export_owner", f)?;
            let v = bytes("export_owner", v)?;
            let Some((kind, rest)) = f.split_first() else {
                continue;
            };
            let text = || String::from_utf8(rest.to_vec()).map_err(|_| corrupt("field"));
            match kind {
                b'p' => {
                    let id = String::from_utf8(v).map_err(|_| corrupt("name"))?;
                    let id = SessionId::parse(&id).map_err(|_| corrupt("name"))?;
                    dump.names.insert(text()?, id);
                }
                b'c' => {
                    let hash = TokenHash::from_slice(rest).ok_or_else(|| corrupt("credential"))?;
                    if v.len() != 12 {
                        return Err(corrupt("credential"));
                    }
                    dump.credentials.push(CredentialDump {
                        hash,
                        created_at: from_millis(u48(&v[..6])),
                        expires_at: from_millis(u48(&v[6..])),
                    });
                }
                b'r' => {
                    let id = SessionId::parse(&text()?).map_err(|_| corrupt("refresh"))?;
                    let spent = v
                        .chunks(SPENT_PREFIX_LEN)
                        .map(|c| SpentPrefix::from_slice(c).ok_or_else(|| corrupt("refresh")))
                        .collect::<Result<Vec<_>>>()?;
                    dump.spent.insert(id, spent);
                }
                b'u' if rest.is_empty() => {
                    dump.doc = Some(session_core::doc::decode(&v)?);
                }
                _ => {}
            }
        }
        let dump = dump.live_at(now);
        Ok((!dump.is_empty()).then_some(dump))
    }

    /// Replaces everything `dump.owner` holds with what of `dump` is live now.
    pub(crate) async fn import(&self, dump: &OwnerDump) -> Result<()> {
        dump.check()?;
        let dump = dump.clone().live_at(self.now_ms());
        let mut args = vec![count(dump.sessions.len())];
        for s in &dump.sessions {
            let [head, body] = record_args(s)?;
            args.extend([s.id.as_str().as_bytes().to_vec(), head, body]);
        }
        args.push(count(dump.names.len()));
        for (name, id) in &dump.names {
            args.extend([name.as_bytes().to_vec(), id.as_str().as_bytes().to_vec()]);
        }
        args.push(count(dump.credentials.len()));
        for c in &dump.credentials {
            let mut times = Vec::with_capacity(12);
            put_u48(&mut times, to_millis(c.created_at));
            put_u48(&mut times, to_millis(c.expires_at));
            args.extend([c.hash.as_bytes().to_vec(), times]);
        }
        args.push(count(dump.spent.len()));
        for (id, spent) in &dump.spent {
            let prefixes: Vec<u8> = spent.iter().flat_map(|p| p.0).collect();
            args.extend([id.as_str().as_bytes().to_vec(), prefixes]);
        }
        args.push(match &dump.doc {
            Some(doc) => session_core::doc::encode(doc)?,
            None => Vec::new(),
        });
        match self
            .script("import_owner", &SCRIPTS.restore, &dump.owner, args, false)
            .await?
        {
            (st, _) if st == "ok" => Ok(()),
            (other, _) => Err(unexpected_status("import_owner", &other)),
        }
    }

    /// Removes everything `owner` holds.
    pub(crate) async fn remove(&self, owner: &Owner) -> Result<Removed> {
        let (st, mut items) = self
            .script("remove_owner", &SCRIPTS.wipe, owner, Vec::new(), false)
            .await?;
        if st != "ok" {
            return Err(unexpected_status("remove_owner", &st));
        }
        let mut next = || int("remove_owner", items.next().unwrap_or(Value::Int(0)));
        Ok(Removed {
            sessions: next()?.max(0) as usize,
            documents: next()?.max(0) as usize,
        })
    }

    /// Deletes every claimed nonce, on every primary.
    pub(crate) async fn clear_claims(&self) -> Result<usize> {
        let keys = self
            .write
            .scan("clear_nonces", &self.keys.nonce_pattern())
            .await?;
        let mut cleared = 0;
        for key in keys {
            let mut cmd = redis::cmd("DEL");
            cmd.arg(&key);
            cleared += int(
                "clear_nonces",
                self.query("clear_nonces", cmd, false).await?,
            )?;
        }
        Ok(cleared.max(0) as usize)
    }
}
