//! The archive on disk: writing, reading, format versions.
//!
//! # Format
//!
//! A `.snap` file is one zstd frame (with its content checksum) holding a tar stream:
//!
//! - `manifest.json` first, so `zstd -dc x.snap | tar -t` (or `tar --zstd -tf x.snap`) shows it
//!   first and a reader learns the format before anything else;
//! - then every member in byte order of its path.
//!
//! Headers are GNU tar (long names use the GNU long-name extension) with mtime 0, uid/gid 0, no
//! user or group names and mode 0644, so the same content gives the same bytes: two identical
//! collections diff clean. `manifest.members` lists every member but the manifest itself with
//! its size, which tells a reader that the archive is complete.
//!
//! Writing redacts every member first ([`super::redact`]) and replaces the members held in
//! memory by their redacted form, so what a live run analyses is what the file holds. A member
//! that cannot be stored (an unsafe path, over [`MAX_MEMBER_BYTES`], the reserved name
//! `manifest.json`) is left out and recorded in `manifest.errors` as source `snapshot:<path>`.
//! The file is written to a temporary file in the target's directory, synced and renamed over
//! the target, so a crash never leaves half a snapshot under the target's name.
//!
//! Compression level 9 ([`ZSTD_LEVEL`]), measured with `zstd -b<level>` (zstd 1.5.4, one core of
//! the 2-core build machine) on two 3-node archives as `write` produces them: per node the
//! stock 5.0.2 cassandra.yaml, jvm-server/jvm11/jvm17 options, cassandra-env.sh, two scrapes,
//! 86 settings rows and system.local. A: every scrape the real 5.0 node's
//! (`fixtures/scrapes/node1-idle.prom`), so nodes repeat each other; B: six different real
//! scrapes (that one and netdata's five).
//!
//! | level | A: 1.74 MB tar | B: 1.09 MB tar | compress speed | decompress |
//! |---|---|---|---|---|
//! | 3 | 62.4 KB | 87.0 KB | 350–760 MB/s | 1–2 GB/s |
//! | 9 | 57.5 KB | 74.8 KB | 60–100 MB/s (17 ms) | 1.4–2.5 GB/s |
//! | 19 | 54.3 KB | 67.9 KB | 1.3–1.9 MB/s (0.9 s) | 1.3–2 GB/s |
//!
//! 9 is 8–14 % smaller than 3 for ~15 ms per MB; 19 saves another 6–9 % but costs close to a
//! second per MB, a minute on a 100-node collection, at the end of it.
//!
//! # Reading
//!
//! The first member must be a `manifest.json` whose `format` is [`super::FORMAT_NAME`];
//! anything else (not zstd, not tar, no manifest, someone else's JSON) is "not a casstune
//! snapshot". A `format_version` above [`super::FORMAT_VERSION`] is refused (a newer casstune
//! wrote it); an older one is migrated in memory, step by step (`migrate`), and the manifest
//! then reads as the current version.
//!
//! Member names must be relative `/`-separated paths without `.`, `..` or empty components,
//! backslashes or control characters; members must be regular files (directories are
//! skipped), at most [`MAX_MEMBER_BYTES`] each and [`MAX_TOTAL_BYTES`] in all, at most
//! [`MAX_MEMBERS`]. [`Archive::read_partial`] keeps every member that was read whole and
//! returns the problems (truncation, corruption, an unsafe member, a member missing from or
//! not listed in the manifest); [`Archive::read`] turns any problem into an error that says
//! what was readable.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, anyhow, bail};
use serde_json::Value;

use super::redact::Redactor;
use super::{Archive, FORMAT_NAME, FORMAT_VERSION, Manifest, MemberEntry, SourceError};

/// Largest member accepted, written or read.
pub const MAX_MEMBER_BYTES: u64 = 1 << 30;
/// Largest total of member sizes read from one archive (a guard against decompression bombs).
pub const MAX_TOTAL_BYTES: u64 = 4 << 30;
/// Most members read from one archive.
pub const MAX_MEMBERS: usize = 1_000_000;
/// Largest manifest read.
const MAX_MANIFEST_BYTES: u64 = 64 << 20;
/// Longest member name accepted.
const MAX_PATH_BYTES: usize = 4096;

const MANIFEST_PATH: &str = "manifest.json";

/// See [`Archive::read_filtered`]: (member path, its bytes) → the bytes to keep, or `None`.
pub type MemberFilter<'f> = dyn FnMut(&str, Vec<u8>) -> Option<Vec<u8>> + 'f;

/// Where members being read go: kept in the archive, or only noted (path → size) when the
/// filter took them.
struct Sink<'a, 'f> {
    archive: &'a mut Archive,
    taken: &'a mut BTreeMap<String, u64>,
    filter: &'a mut MemberFilter<'f>,
}
/// See the module doc for the measurements behind it.
pub const ZSTD_LEVEL: i32 = 9;
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

impl Archive {
    /// Redacts, then writes the archive to `path` atomically (see the module doc).
    pub fn write(&mut self, path: &Path, extra_secrets: &[String]) -> anyhow::Result<()> {
        let bytes = self.to_bytes(extra_secrets);
        write_atomically(path, &bytes)
            .with_context(|| format!("cannot write snapshot {}", path.display()))
    }

    /// Redacts the members in place without writing anything: a live `analyze` reads exactly
    /// what a saved snapshot would hold, so no output can show a secret a snapshot would not.
    pub fn redact(&mut self, extra_secrets: &[String]) {
        let redactor = Redactor::new(extra_secrets);
        self.redact_and_check_members(&redactor);
        let sealed = self.seal_manifest(&redactor);
        if let Ok(m) = serde_json::from_slice(&sealed) {
            self.manifest = m;
        }
    }

    /// Redacts the members in place, fills `manifest.members` and returns the archive's bytes.
    pub fn to_bytes(&mut self, extra_secrets: &[String]) -> Vec<u8> {
        let redactor = Redactor::new(extra_secrets);
        self.redact_and_check_members(&redactor);
        let manifest = self.seal_manifest(&redactor);
        let tar = tar_stream(&manifest, &self.members);
        compress(&tar)
    }

    /// Reads an archive; any truncation, corruption or unsafe member is an error.
    pub fn read(path: &Path) -> anyhow::Result<Archive> {
        let name = path.display().to_string();
        let (archive, problems) = Archive::read_partial(path)?;
        complete(archive, problems, &name)
    }

    /// Reads what can be read: every member read whole, and the problems met. Fails only when
    /// the file cannot be read or holds no readable casstune manifest.
    pub fn read_partial(path: &Path) -> anyhow::Result<(Archive, Vec<String>)> {
        let bytes =
            fs::read(path).with_context(|| format!("cannot read snapshot {}", path.display()))?;
        Archive::from_bytes_partial(&bytes, &path.display().to_string())
    }

    /// [`Archive::read`], handing every member to `filter` as soon as it is read whole: the
    /// member is kept with the bytes `filter` returns, or not kept when it returns `None`
    /// (it still counts as present for the completeness checks). `casstune analyze` parses
    /// each node's scrapes as they stream by, so a fleet's expositions are never all in
    /// memory at once.
    pub fn read_filtered(path: &Path, filter: &mut MemberFilter<'_>) -> anyhow::Result<Archive> {
        let name = path.display().to_string();
        let bytes =
            fs::read(path).with_context(|| format!("cannot read snapshot {}", path.display()))?;
        let (archive, problems) = Archive::from_bytes_filtered(&bytes, &name, filter)?;
        complete(archive, problems, &name)
    }

    /// [`Archive::read`] from memory; `name` names the archive in errors.
    pub fn from_bytes(bytes: &[u8], name: &str) -> anyhow::Result<Archive> {
        let (archive, problems) = Archive::from_bytes_partial(bytes, name)?;
        complete(archive, problems, name)
    }

    /// [`Archive::read_partial`] from memory; `name` names the archive in errors.
    pub fn from_bytes_partial(bytes: &[u8], name: &str) -> anyhow::Result<(Archive, Vec<String>)> {
        Archive::from_bytes_filtered(bytes, name, &mut |_, b| Some(b))
    }

    fn from_bytes_filtered(
        bytes: &[u8],
        name: &str,
        filter: &mut MemberFilter<'_>,
    ) -> anyhow::Result<(Archive, Vec<String>)> {
        check_magic(bytes, name)?;
        let watch = Watch::default();
        let decoder = zstd::stream::read::Decoder::with_buffer(bytes).map_err(|e| {
            anyhow!("not a casstune snapshot: {name}: cannot start zstd decompression: {e}")
        })?;
        let mut tar = tar::Archive::new(Watched {
            inner: decoder,
            watch: watch.clone(),
            total: 0,
        });
        let mut problems = Vec::new();
        let mut taken = BTreeMap::new();
        let (mut archive, listed) = {
            let mut entries = tar
                .entries()
                .map_err(|e| anyhow!("not a casstune snapshot: {name}: not a tar archive: {e}"))?;
            let (manifest, listed) = read_manifest(entries.next(), &watch, name)?;
            let mut archive = Archive {
                manifest,
                members: BTreeMap::new(),
            };
            let mut read = Sink {
                archive: &mut archive,
                taken: &mut taken,
                filter,
            };
            read_members(&mut entries, &watch, &mut read, &mut problems);
            (archive, listed)
        };
        if watch.get().is_none() {
            drain(tar.into_inner(), &watch, &mut problems);
        }
        check_listing(&mut archive, &taken, listed, &mut problems);
        Ok((archive, problems))
    }

    /// Redacts every member and drops those that cannot be stored, recording why.
    fn redact_and_check_members(&mut self, redactor: &Redactor) {
        let members = std::mem::take(&mut self.members);
        for (path, bytes) in members {
            let problem = if path == MANIFEST_PATH {
                Some("the name is reserved for the manifest".to_string())
            } else {
                check_member_path(&path)
                    .err()
                    .or_else(|| tar_path_problem(&path))
            };
            let bytes = redactor.member(&path, &bytes);
            let problem = problem.or_else(|| {
                (bytes.len() as u64 > MAX_MEMBER_BYTES).then(|| {
                    format!(
                        "{} bytes, over the {MAX_MEMBER_BYTES}-byte limit",
                        bytes.len()
                    )
                })
            });
            match problem {
                None => {
                    self.members.insert(path, bytes);
                }
                Some(message) => self.manifest.errors.push(SourceError {
                    source: format!("snapshot:{path}"),
                    message: format!("member left out of the archive: {message}"),
                }),
            }
        }
    }

    /// Redacts the manifest, stores the member list in it and returns its bytes. The in-memory
    /// manifest becomes what is written.
    fn seal_manifest(&mut self, redactor: &Redactor) -> Vec<u8> {
        self.manifest.members.clear();
        let plain = json_bytes(&self.manifest);
        let redacted = redactor.member(MANIFEST_PATH, &plain);
        let listing: Vec<MemberEntry> = self
            .members
            .iter()
            .map(|(path, bytes)| MemberEntry {
                path: path.clone(),
                bytes: bytes.len() as u64,
            })
            .collect();
        // Redaction re-serialises valid JSON, so this parses; the fallback only keeps going.
        let mut value: Value =
            serde_json::from_slice(&redacted).unwrap_or_else(|_| Value::Object(Default::default()));
        if let Value::Object(map) = &mut value {
            map.insert(
                "members".into(),
                serde_json::to_value(&listing).unwrap_or_default(),
            );
        }
        if let Ok(m) = serde_json::from_value::<Manifest>(value.clone()) {
            self.manifest = m;
        }
        json_bytes(&value)
    }
}

fn json_bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Plain data with string keys: serde_json cannot fail on it.
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// `read`'s verdict on a partial read.
fn complete(archive: Archive, problems: Vec<String>, name: &str) -> anyhow::Result<Archive> {
    if problems.is_empty() {
        return Ok(archive);
    }
    let listed = archive.manifest.members.len();
    let readable: Vec<&str> = archive.members.keys().map(String::as_str).collect();
    bail!(
        "snapshot {name} cannot be read whole: {}; {} of the {listed} members in its manifest could be read{}",
        problems.join("; "),
        readable.len(),
        name_list(&readable, ": "),
    )
}

/// `prefix` and up to 8 names, then how many more.
fn name_list(names: &[&str], prefix: &str) -> String {
    const SHOWN: usize = 8;
    if names.is_empty() {
        return String::new();
    }
    let mut s = format!("{prefix}{}", names[..names.len().min(SHOWN)].join(", "));
    if names.len() > SHOWN {
        s.push_str(&format!(", … and {} more", names.len() - SHOWN));
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Member names

/// Why a member name is unsafe, if it is: archives are read into memory today, but a name that
/// could escape a directory when extracted is refused in both directions.
pub fn check_member_path(path: &str) -> Result<(), String> {
    let problem = if path.is_empty() {
        "an empty name"
    } else if path.len() > MAX_PATH_BYTES {
        return Err(format!(
            "member `{}…`: a name over {MAX_PATH_BYTES} bytes",
            path.chars().take(64).collect::<String>().escape_debug()
        ));
    } else if path.starts_with('/') {
        "an absolute path"
    } else if path.contains('\\') {
        "a backslash in the name"
    } else if path.chars().any(char::is_control) {
        "a control character in the name"
    } else if path.split('/').any(|c| c == "..") {
        "a `..` component (path traversal)"
    } else if path.split('/').any(|c| c.is_empty() || c == ".") {
        "an empty or `.` path component"
    } else if path.split('/').next().is_some_and(is_drive) {
        "a drive prefix"
    } else {
        return Ok(());
    };
    Err(format!(
        "member `{}`: {problem}; member names must be relative paths inside the archive",
        path.escape_debug()
    ))
}

fn is_drive(component: &str) -> bool {
    let b = component.as_bytes();
    b.len() == 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// Whether tar can store the name (it always can after [`check_member_path`] on Unix; checked
/// so that writing never has to fail half-way).
fn tar_path_problem(path: &str) -> Option<String> {
    let mut header = tar::Header::new_gnu();
    header.set_size(0);
    let mut probe = tar::Builder::new(io::sink());
    probe
        .append_data(&mut header, path, io::empty())
        .err()
        .map(|e| format!("tar cannot store the name: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Writing

fn tar_stream(manifest: &[u8], members: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let all = std::iter::once((MANIFEST_PATH, manifest))
        .chain(members.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
    for (path, bytes) in all {
        // Names were checked by `tar_path_problem`; writing into a Vec does not fail otherwise.
        // Were it to, the member would be missing and the reader would say so.
        let _ = builder.append_data(&mut header(bytes.len() as u64), path, bytes);
    }
    builder.into_inner().unwrap_or_default()
}

/// A header that says nothing about where or when the archive was made.
fn header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h
}

fn compress(tar: &[u8]) -> Vec<u8> {
    let attempt = || -> io::Result<Vec<u8>> {
        let mut c = zstd::bulk::Compressor::new(ZSTD_LEVEL)?;
        // The checksum lets a reader tell corruption from a valid but odd archive.
        c.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(true))?;
        c.compress(tar)
    };
    // zstd into memory fails only when memory runs out, which aborts before this anyway.
    attempt().unwrap_or_default()
}

/// Temporary file next to the target, synced, renamed over it; the temporary file is removed
/// on failure.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| anyhow!("{} does not name a file", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.{}-{}.tmp",
        file_name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| -> io::Result<()> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e.into());
    }
    // Makes the rename itself durable; not every platform can open a directory for this.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading

fn check_magic(bytes: &[u8], name: &str) -> anyhow::Result<()> {
    if bytes.is_empty() {
        bail!("not a casstune snapshot: {name} is empty");
    }
    if !bytes.starts_with(&ZSTD_MAGIC) {
        bail!(
            "not a casstune snapshot: {name} is not zstd-compressed (expected a .snap file written by `casstune collect -o`)"
        );
    }
    Ok(())
}

/// What went wrong below tar, shared between the reader wrapper and the code that explains
/// tar's errors.
#[derive(Default, Clone)]
struct Watch(Rc<RefCell<Option<Fault>>>);

#[derive(Clone)]
enum Fault {
    /// The compressed data ended before the zstd frame did.
    Truncated,
    /// zstd refused the data (corrupt block, wrong checksum, trailing garbage).
    Corrupt(String),
    /// More was decompressed than any acceptable archive holds.
    TooLarge,
}

impl Watch {
    fn set(&self, f: Fault) {
        self.0.borrow_mut().get_or_insert(f);
    }

    fn get(&self) -> Option<Fault> {
        self.0.borrow().clone()
    }

    /// A problem line for an error tar reported.
    fn explain(&self, e: &io::Error, context: &str) -> String {
        match self.get() {
            Some(Fault::Truncated) => {
                format!("truncated: the compressed data ends early ({context})")
            }
            Some(Fault::Corrupt(m)) => format!("corrupt compressed data ({context}): {m}"),
            Some(Fault::TooLarge) => {
                format!("over the {MAX_TOTAL_BYTES}-byte limit of decompressed data ({context})")
            }
            None if e.kind() == io::ErrorKind::UnexpectedEof
                || e.to_string().contains("entire block")
                || e.to_string().contains("EOF") =>
            {
                format!("truncated: the tar data ends early ({context})")
            }
            None => format!("corrupt tar data ({context}): {e}"),
        }
    }
}

/// The decompressor as tar sees it: records faults and caps the decompressed size.
struct Watched<R> {
    inner: R,
    watch: Watch,
    total: u64,
}

impl<R: Read> Read for Watched<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.total += n as u64;
                // Headers and padding come on top of the members' own bytes.
                if self.total > MAX_TOTAL_BYTES + (MAX_MEMBERS as u64) * 1024 {
                    self.watch.set(Fault::TooLarge);
                    return Err(io::Error::other("decompressed data over the limit"));
                }
                Ok(n)
            }
            Err(e) => {
                let fault = if e.kind() == io::ErrorKind::UnexpectedEof
                    || e.to_string().contains("incomplete")
                {
                    Fault::Truncated
                } else {
                    Fault::Corrupt(e.to_string())
                };
                self.watch.set(fault);
                Err(e)
            }
        }
    }
}

type Entries<'a, R> = tar::Entries<'a, Watched<R>>;
type Entry<'a, R> = tar::Entry<'a, Watched<R>>;

/// The first member, which must be a casstune manifest. Returns it migrated to the current
/// format, and whether it lists the members (format 1 and later).
fn read_manifest<R: Read>(
    first: Option<io::Result<Entry<'_, R>>>,
    watch: &Watch,
    name: &str,
) -> anyhow::Result<(Manifest, bool)> {
    let not_ours = |why: String| anyhow!("not a casstune snapshot: {name}: {why}");
    let mut entry = match first {
        None => {
            return Err(not_ours(
                "the archive holds no members (expected manifest.json first)".into(),
            ));
        }
        Some(Err(e)) => {
            return Err(match watch.get() {
                Some(Fault::Truncated) => anyhow!(
                    "snapshot {name} is truncated: it ends before its manifest could be read; no member is readable"
                ),
                Some(_) => anyhow!(
                    "snapshot {name} is damaged: {}",
                    watch.explain(&e, "before the manifest")
                ),
                // tar's own message quotes the bytes it choked on: not worth showing.
                None => not_ours("the zstd content is not a tar archive".into()),
            });
        }
        Some(Ok(entry)) => entry,
    };
    let path = entry_path(&entry).unwrap_or_else(|e| e);
    if path != MANIFEST_PATH || !entry.header().entry_type().is_file() {
        return Err(not_ours(format!(
            "its first member is `{}`, expected manifest.json",
            path.escape_debug()
        )));
    }
    if entry.size() > MAX_MANIFEST_BYTES {
        return Err(not_ours(format!(
            "manifest.json is {} bytes, over the {MAX_MANIFEST_BYTES}-byte limit",
            entry.size()
        )));
    }
    let bytes = read_entry(&mut entry, watch).map_err(|p| {
        if p.contains("truncated") {
            anyhow!(
                "snapshot {name} is truncated: it ends inside its manifest; no member is readable"
            )
        } else {
            anyhow!("snapshot {name} is damaged: manifest.json: {p}")
        }
    })?;
    parse_manifest(&bytes, name)
}

/// Checks the format name and version, migrates, and parses.
fn parse_manifest(bytes: &[u8], name: &str) -> anyhow::Result<(Manifest, bool)> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| anyhow!("not a casstune snapshot: {name}: manifest.json is not JSON ({e})"))?;
    let format = value.get("format").and_then(Value::as_str);
    if format != Some(FORMAT_NAME) {
        bail!(
            "not a casstune snapshot: {name}: manifest.json has format {}, expected \"{FORMAT_NAME}\"",
            format.map_or("(none)".to_string(), |f| format!("{f:?}"))
        );
    }
    let version = value
        .get("format_version")
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| anyhow!("snapshot {name}: manifest.json has no valid format_version"))?;
    if version > FORMAT_VERSION {
        bail!(
            "snapshot {name} was written by a newer casstune (format {version}, this build reads ≤ {FORMAT_VERSION}); upgrade casstune"
        );
    }
    let value = migrate(value, version).map_err(|e| anyhow!("snapshot {name}: {e}"))?;
    let manifest: Manifest = serde_json::from_value(value).map_err(|e| {
        anyhow!("snapshot {name}: manifest.json (format {version}) is malformed: {e}")
    })?;
    Ok((manifest, version >= 1))
}

/// Brings a manifest of format `from` to [`FORMAT_VERSION`], one step per version, so each
/// step is written once and old archives keep reading as the format moves on.
pub(crate) fn migrate(mut manifest: Value, from: u32) -> Result<Value, String> {
    for version in from..FORMAT_VERSION {
        manifest = match version {
            0 => v0_to_v1(manifest)?,
            v => return Err(format!("no migration from format {v}")),
        };
    }
    if let Value::Object(map) = &mut manifest {
        map.insert("format_version".into(), FORMAT_VERSION.into());
    }
    Ok(manifest)
}

/// Format 0 is the manifest before `members` existed. The list is left empty here and filled
/// from the members actually read (see [`check_listing`]).
fn v0_to_v1(mut manifest: Value) -> Result<Value, String> {
    let Value::Object(map) = &mut manifest else {
        return Err("manifest.json is not a JSON object".into());
    };
    map.entry("members")
        .or_insert_with(|| Value::Array(Vec::new()));
    Ok(manifest)
}

/// Every member after the manifest; stops at the first error of the stream itself.
fn read_members<R: Read>(
    entries: &mut Entries<'_, R>,
    watch: &Watch,
    read: &mut Sink<'_, '_>,
    problems: &mut Vec<String>,
) {
    let mut total = 0u64;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                problems.push(watch.explain(&e, &after(read)));
                return;
            }
        };
        let path = match entry_path(&entry) {
            Ok(p) => p,
            Err(p) => {
                problems.push(format!(
                    "member `{}`: the name is not UTF-8",
                    p.escape_debug()
                ));
                continue;
            }
        };
        if let Err(p) = check_member_path(&path) {
            problems.push(p);
            continue;
        }
        if let Some(p) = entry_kind_problem(&entry, &path) {
            problems.extend(p);
            continue;
        }
        match admit(&path, entry.size(), total, read) {
            Admit::Read => {}
            Admit::Skip(p) => {
                problems.push(p);
                continue;
            }
            Admit::Stop(p) => {
                problems.push(p);
                return;
            }
        }
        match read_entry(&mut entry, watch) {
            Ok(bytes) => {
                total += bytes.len() as u64;
                let size = bytes.len() as u64;
                match (read.filter)(&path, bytes) {
                    Some(kept) => {
                        read.archive.members.insert(path, kept);
                    }
                    None => {
                        read.taken.insert(path, size);
                    }
                }
            }
            Err(p) => {
                problems.push(format!("member {path}: {p}"));
                return;
            }
        }
    }
}

/// Reads the zstd frame to its end: tar stops at its end-of-archive block, but a cut-off or
/// corrupt file is only noticed at the frame's end (its last bytes are the checksum).
fn drain<R: Read>(mut rest: Watched<R>, watch: &Watch, problems: &mut Vec<String>) {
    if let Err(e) = io::copy(&mut rest, &mut io::sink()) {
        problems.push(watch.explain(&e, "after the last member"));
    }
}

/// Where a stream broke, for problem lines.
fn after(read: &Sink<'_, '_>) -> String {
    match read.archive.members.len() + read.taken.len() {
        0 => "after the manifest".into(),
        n => format!("after {n} members"),
    }
}

/// `Some(problems)` (possibly empty: skipped quietly) for entries that are not plain files.
fn entry_kind_problem<R: Read>(entry: &Entry<'_, R>, path: &str) -> Option<Vec<String>> {
    let kind = entry.header().entry_type();
    if kind.is_file() {
        return None;
    }
    // Directories and pax global headers carry no member: tools that repack add them.
    if kind.is_dir() || kind.is_pax_global_extensions() {
        return Some(Vec::new());
    }
    Some(vec![format!(
        "member `{}`: a {kind:?} entry; only regular files are allowed",
        path.escape_debug()
    )])
}

/// Whether a member is read, skipped (its data is stepped over) or ends the reading.
enum Admit {
    Read,
    Skip(String),
    Stop(String),
}

/// Duplicates and oversized members are skipped; past the archive-wide limits, reading stops.
fn admit(path: &str, size: u64, total: u64, read: &Sink<'_, '_>) -> Admit {
    if path == MANIFEST_PATH
        || read.archive.members.contains_key(path)
        || read.taken.contains_key(path)
    {
        return Admit::Skip(format!(
            "member {path} appears twice; the first copy is kept"
        ));
    }
    if size > MAX_MEMBER_BYTES {
        return Admit::Skip(format!(
            "member {path} is {size} bytes, over the {MAX_MEMBER_BYTES}-byte limit"
        ));
    }
    if total.saturating_add(size) > MAX_TOTAL_BYTES {
        return Admit::Stop(format!(
            "member {path}: the members would exceed {MAX_TOTAL_BYTES} bytes in all"
        ));
    }
    if read.archive.members.len() + read.taken.len() >= MAX_MEMBERS {
        return Admit::Stop(format!("member {path}: more than {MAX_MEMBERS} members"));
    }
    Admit::Read
}

/// The entry's name, or its lossy form as the error when it is not UTF-8.
fn entry_path<R: Read>(entry: &Entry<'_, R>) -> Result<String, String> {
    let raw = entry.path_bytes();
    std::str::from_utf8(&raw)
        .map(str::to_string)
        .map_err(|_| String::from_utf8_lossy(&raw).into_owned())
}

/// The entry's data, whole: tar reads a cut-off entry as short rather than failing.
fn read_entry<R: Read>(entry: &mut Entry<'_, R>, watch: &Watch) -> Result<Vec<u8>, String> {
    let size = entry.size();
    // The header's size is trusted for the allocation up to 64 MiB (untouched capacity is
    // address space, not memory): a scrape of a few MB grown from 1 MiB was copied and
    // faulted in again, a tenth of reading a fleet's archive on the one reading thread.
    let mut bytes = Vec::with_capacity(size.min(64 << 20) as usize);
    if let Err(e) = entry.read_to_end(&mut bytes) {
        return Err(watch.explain(&e, "inside the member"));
    }
    if bytes.len() as u64 != size {
        return Err(format!("truncated: {} of {size} bytes", bytes.len()));
    }
    Ok(bytes)
}

/// Compares what was read with the manifest's list. Format 0 has no list: it is filled from
/// what was read.
fn check_listing(
    archive: &mut Archive,
    taken: &BTreeMap<String, u64>,
    listed: bool,
    problems: &mut Vec<String>,
) {
    // Every member read, kept or taken by a filter, with its size, in path order.
    let read: BTreeMap<&str, u64> = archive
        .members
        .iter()
        .map(|(p, b)| (p.as_str(), b.len() as u64))
        .chain(taken.iter().map(|(p, n)| (p.as_str(), *n)))
        .collect();
    if !listed {
        let listing = read
            .iter()
            .map(|(path, bytes)| MemberEntry {
                path: path.to_string(),
                bytes: *bytes,
            })
            .collect();
        archive.manifest.members = listing;
        return;
    }
    let expected: BTreeMap<&str, u64> = archive
        .manifest
        .members
        .iter()
        .map(|m| (m.path.as_str(), m.bytes))
        .collect();
    let missing: Vec<&str> = expected
        .keys()
        .copied()
        .filter(|p| !read.contains_key(*p))
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "truncated: {} member(s) listed in the manifest are missing{}",
            missing.len(),
            name_list(&missing, ": ")
        ));
    }
    for (path, bytes) in &read {
        match expected.get(path) {
            None => problems.push(format!("member {path} is not listed in the manifest")),
            Some(&n) if n != *bytes => problems.push(format!(
                "member {path} is {bytes} bytes, the manifest says {n}"
            )),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tar.zst built by hand, for manifests this build would not write.
    fn raw_archive(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, bytes) in members {
            b.append_data(&mut header(bytes.len() as u64), path, *bytes)
                .unwrap();
        }
        zstd::encode_all(&b.into_inner().unwrap()[..], 3).unwrap()
    }

    fn v0_manifest() -> Vec<u8> {
        // Format 0: the manifest before `members` existed.
        serde_json::to_vec(&serde_json::json!({
            "format": "casstune-snapshot",
            "format_version": 0,
            "tool_version": "0.0.1",
            "created_at": "2026-01-01T00:00:00Z",
            "duration_seconds": 1.5,
            "options": {},
            "cluster_name": "old",
            "nodes": [],
            "errors": []
        }))
        .unwrap()
    }

    #[test]
    fn v0_manifest_is_migrated_and_members_are_listed_from_the_archive() {
        let bytes = raw_archive(&[
            ("manifest.json", &v0_manifest()),
            ("nodes/a/host.json", b"{}\n"),
        ]);
        let a = Archive::from_bytes(&bytes, "old.snap").unwrap();
        assert_eq!(a.manifest.format_version, FORMAT_VERSION);
        assert_eq!(a.manifest.cluster_name.as_deref(), Some("old"));
        assert_eq!(
            a.manifest.members,
            vec![MemberEntry {
                path: "nodes/a/host.json".into(),
                bytes: 3
            }]
        );
        assert_eq!(a.get("nodes/a/host.json"), Some(&b"{}\n"[..]));
    }

    #[test]
    fn migrate_steps_and_refuses_the_unknown() {
        let v = migrate(serde_json::from_slice(&v0_manifest()).unwrap(), 0).unwrap();
        assert_eq!(v["members"], serde_json::json!([]));
        assert_eq!(v["format_version"], FORMAT_VERSION);
        assert!(migrate(Value::Null, 0).is_err());
    }

    #[test]
    fn member_paths() {
        for ok in [
            "manifest.json",
            "nodes/::1/cql/system.local.json",
            "nodes/10.0.0.1:9043/files/cassandra.yaml",
        ] {
            assert_eq!(check_member_path(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/./b",
            "a//b",
            "a/",
            "a\\b",
            "C:/x",
            "a\0b",
            "a\nb",
        ] {
            assert!(check_member_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn unsafe_members_are_left_out_on_write_and_recorded() {
        let mut a = Archive::new("2026-01-01T00:00:00Z".into());
        a.put("../escape", "x");
        a.put("manifest.json", "{}");
        a.put("nodes/a/host.json", "{}\n");
        let bytes = a.to_bytes(&[]);
        let sources: Vec<&str> = a
            .manifest
            .errors
            .iter()
            .map(|e| e.source.as_str())
            .collect();
        assert_eq!(sources, ["snapshot:../escape", "snapshot:manifest.json"]);
        let back = Archive::from_bytes(&bytes, "t.snap").unwrap();
        assert_eq!(
            back.members().map(|(p, _)| p).collect::<Vec<_>>(),
            ["nodes/a/host.json"]
        );
        assert!(back.is_partial());
    }
}
