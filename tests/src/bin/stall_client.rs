//! Holds stalled requests against a gateway, for the edge tests, from a process of its own (so
//! that its sockets count against its own open-file limit, not the test's):
//! `stall_client HOST:PORT COUNT [TRIES]` opens up to COUNT connections (a connect that does not
//! complete within 2 s is tried again, TRIES times in all, 1 by default), sends each the head of a `POST /session.json` that promises 100 body
//! bytes and one byte of it, prints `opened N`, and holds them until its standard input closes
//! (or 300 s pass); exiting closes them all at once.

#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::Semaphore;

const HEAD: &[u8] = b"POST /session.json HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
/// Connects in flight at once.
const PARALLEL: usize = 4096;

async fn connect(addr: &str, tries: u32) -> Option<TcpStream> {
    for _ in 0..tries {
        let attempt = tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(addr)).await;
        if let Ok(Ok(s)) = attempt {
            return Some(s);
        }
    }
    None
}

async fn stall(addr: String, tries: u32) -> Option<std::net::TcpStream> {
    let mut s = connect(&addr, tries).await?.into_std().ok()?;
    s.set_nonblocking(false).ok()?;
    s.write_all(HEAD).ok()?;
    Some(s)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(addr), Some(count)) = (args.get(1), args.get(2).and_then(|c| c.parse().ok())) else {
        eprintln!("usage: stall_client HOST:PORT COUNT");
        std::process::exit(2);
    };
    let count: usize = count;
    let tries: u32 = args.get(3).and_then(|t| t.parse().ok()).unwrap_or(1);
    let gate = Arc::new(Semaphore::new(PARALLEL));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..count {
        let Ok(permit) = gate.clone().acquire_owned().await else {
            break;
        };
        let addr = addr.clone();
        tasks.spawn(async move {
            let held = stall(addr, tries).await;
            drop(permit);
            held
        });
    }
    let mut held = Vec::with_capacity(count);
    while let Some(done) = tasks.join_next().await {
        if let Ok(Some(s)) = done {
            held.push(s);
        }
    }
    println!("opened {}", held.len());
    let _ = std::io::stdout().flush();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut byte = [0u8; 1];
        let _ = std::io::stdin().read(&mut byte);
        let _ = tx.send(());
    });
    let _ = rx.recv_timeout(Duration::from_secs(300));
    drop(held);
}
