//! cqlload: a few tables with data on a benchmark node, so that `nodetool tablestats`,
//! `tablehistograms` and casstune have something real to read (scripts/bench.sh).
//!
//! ```sh
//! cargo run --release --example cqlload -- --host 127.0.3.1 --tables 8 --rows 2000
//! ```
//!
//! Creates keyspace `bench` (SimpleStrategy, RF 1) with tables `t00`…, writes `--rows` rows to
//! each (100 partitions, clustered rows, some with a TTL), flushes nothing itself, and reads
//! every partition back once so read latencies exist. Idempotent: tables are created if absent
//! and rows overwritten. This is the benchmark's setup, not casstune: casstune never writes.

use anyhow::{Context, bail};
use futures::stream::{self, StreamExt};
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;

struct Args {
    host: String,
    port: u16,
    tables: usize,
    rows: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        host: "127.0.3.1".into(),
        port: 9042,
        tables: 8,
        rows: 2000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--host" => a.host = value,
            "--port" => a.port = value.parse()?,
            "--tables" => a.tables = value.parse()?,
            "--rows" => a.rows = value.parse()?,
            _ => bail!("unknown option {flag} (see examples/cqlload.rs)"),
        }
    }
    Ok(a)
}

async fn run(a: &Args, session: &Session) -> anyhow::Result<()> {
    session
        .query_unpaged(
            "CREATE KEYSPACE IF NOT EXISTS bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
            &[],
        )
        .await?;
    for t in 0..a.tables {
        session
            .query_unpaged(
                format!(
                    "CREATE TABLE IF NOT EXISTS bench.t{t:02} (pk int, ck int, v text, n bigint, PRIMARY KEY (pk, ck))"
                ),
                &[],
            )
            .await?;
    }
    let _ = session.await_schema_agreement().await;
    for t in 0..a.tables {
        let insert = session
            .prepare(format!(
                "INSERT INTO bench.t{t:02} (pk, ck, v, n) VALUES (?, ?, ?, ?) USING TTL ?"
            ))
            .await?;
        let read = session
            .prepare(format!(
                "SELECT pk, ck, v, n FROM bench.t{t:02} WHERE pk = ?"
            ))
            .await?;
        let results: Vec<_> = stream::iter(0..a.rows)
            .map(|i| {
                let insert = &insert;
                async move {
                    let pk = (i % 100) as i32;
                    let ttl: i32 = if i % 5 == 0 { 86_400 } else { 0 };
                    let v = format!("value-{i:08}-{}", "x".repeat(i % 64));
                    session
                        .execute_unpaged(insert, (pk, i as i32, v, i as i64, ttl))
                        .await
                }
            })
            .buffer_unordered(32)
            .collect()
            .await;
        for r in results {
            r?;
        }
        for pk in 0..100i32 {
            session.execute_unpaged(&read, (pk,)).await?;
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let a = args()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let session = SessionBuilder::new()
            .known_node(format!("{}:{}", a.host, a.port))
            .build()
            .await
            .with_context(|| format!("connecting to {}:{}", a.host, a.port))?;
        run(&a, &session).await
    })?;
    eprintln!(
        "cqlload: {} tables × {} rows in keyspace bench on {}",
        a.tables, a.rows, a.host
    );
    Ok(())
}
