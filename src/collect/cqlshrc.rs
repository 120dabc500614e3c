//! `~/.cassandra/cqlshrc` and its `credentials` file, read the way cqlsh reads them, so an
//! operator's existing set-up works unchanged.
//!
//! Recognised: `[authentication] username, password, credentials`; `[connection] hostname,
//! port, ssl, connect_timeout, request_timeout`; `[ssl] certfile, validate, userkey,
//! usercert`. In the credentials file: `[PlainTextAuthProvider] username, password`.
//! cqlsh's interpolation is not applied (cqlsh uses `RawConfigParser` for credentials too).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The parts of a cqlshrc casstune uses. Every field is optional: flags and the environment
/// take precedence, cqlshrc only fills gaps.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Cqlshrc {
    pub path: PathBuf,
    pub username: Option<String>,
    pub password: Option<String>,
    pub hostname: Option<String>,
    pub port: Option<u16>,
    pub ssl: Option<bool>,
    pub certfile: Option<PathBuf>,
    pub validate: Option<bool>,
    pub userkey: Option<PathBuf>,
    pub usercert: Option<PathBuf>,
    pub connect_timeout: Option<f64>,
    pub request_timeout: Option<f64>,
    /// Problems worth telling the user (world-readable credentials, bad values).
    pub warnings: Vec<String>,
}

type Ini = BTreeMap<String, BTreeMap<String, String>>;

/// INI as Python's configparser reads it: `[section]`, `key = value` or `key: value`,
/// `#`/`;` comment lines, keys lower-cased, indented lines continue the previous value.
fn parse_ini(text: &str) -> Ini {
    let mut ini = Ini::new();
    let mut section = String::new();
    let mut last_key: Option<String> = None;
    for raw in text.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            section = trimmed[1..trimmed.len() - 1].trim().to_string();
            last_key = None;
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(k) = &last_key
                && let Some(v) = ini.get_mut(&section).and_then(|s| s.get_mut(k))
            {
                v.push('\n');
                v.push_str(trimmed);
            }
            continue;
        }
        let Some(i) = trimmed.find(['=', ':']) else {
            continue;
        };
        let key = trimmed[..i].trim().to_lowercase();
        let value = trimmed[i + 1..].trim().to_string();
        ini.entry(section.clone())
            .or_default()
            .insert(key.clone(), value);
        last_key = Some(key);
    }
    ini
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(p),
    }
}

fn boolean(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Some(true),
        "0" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// The default location: `$CQLSH_HOME/cqlshrc` or `~/.cassandra/cqlshrc`.
pub fn default_path() -> Option<PathBuf> {
    if let Some(h) = std::env::var_os("CQLSH_HOME") {
        return Some(Path::new(&h).join("cqlshrc"));
    }
    std::env::var_os("HOME").map(|h| Path::new(&h).join(".cassandra").join("cqlshrc"))
}

/// Reads a cqlshrc. A missing file is `Ok(None)`; an unreadable one is an error naming it.
pub fn read(path: &Path) -> anyhow::Result<Option<Cqlshrc>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => anyhow::bail!("{}: cannot read cqlshrc: {e}", path.display()),
    };
    Ok(Some(from_text(&text, path)))
}

pub fn from_text(text: &str, path: &Path) -> Cqlshrc {
    let ini = parse_ini(text);
    let get = |s: &str, k: &str| ini.get(s).and_then(|m| m.get(k)).cloned();
    let mut rc = Cqlshrc {
        path: path.to_path_buf(),
        username: get("authentication", "username"),
        password: get("authentication", "password"),
        hostname: get("connection", "hostname"),
        certfile: get("ssl", "certfile").map(|p| expand_home(&p)),
        userkey: get("ssl", "userkey").map(|p| expand_home(&p)),
        usercert: get("ssl", "usercert").map(|p| expand_home(&p)),
        ..Cqlshrc::default()
    };
    if rc.password.is_some() {
        warn_if_readable(path, &mut rc.warnings);
    }
    if let Some(p) = get("connection", "port") {
        match p.parse() {
            Ok(n) => rc.port = Some(n),
            Err(_) => rc.warnings.push(format!(
                "{}: [connection] port = {p:?} is not a port number; ignored",
                path.display()
            )),
        }
    }
    rc.ssl = get("connection", "ssl").and_then(|v| boolean(&v));
    rc.validate = get("ssl", "validate").and_then(|v| boolean(&v));
    rc.connect_timeout = get("connection", "connect_timeout").and_then(|v| v.parse().ok());
    rc.request_timeout = get("connection", "request_timeout").and_then(|v| v.parse().ok());
    if let Some(cred) = get("authentication", "credentials") {
        read_credentials(&expand_home(&cred), &mut rc);
    }
    rc
}

/// The credentials file fills what cqlshrc itself left empty, as in cqlsh.
fn read_credentials(path: &Path, rc: &mut Cqlshrc) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            rc.warnings.push(format!(
                "{}: cannot read credentials file: {e}",
                path.display()
            ));
            return;
        }
    };
    warn_if_readable(path, &mut rc.warnings);
    let ini = parse_ini(&text);
    if let Some(sec) = ini.get("PlainTextAuthProvider") {
        if rc.username.is_none() {
            rc.username = sec.get("username").cloned();
        }
        if rc.password.is_none() {
            rc.password = sec.get("password").cloned();
        }
    }
}

/// A file holding a password should not be readable by other users (cqlsh warns the same way).
pub fn warn_if_readable(path: &Path, warnings: &mut Vec<String>) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        warnings.push(format!(
            "{}: holds a password but is readable by group or others (mode {:o}); run chmod 600 {0}",
            path.display(),
            meta.permissions().mode() & 0o777
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cqlsh_sections_and_credentials_file() {
        let dir = tempfile::tempdir().unwrap();
        let cred = dir.path().join("credentials");
        std::fs::write(
            &cred,
            "[PlainTextAuthProvider]\nusername = fred\npassword = !!bang!!$\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cred, std::fs::Permissions::from_mode(0o644)).unwrap();
        let text = format!(
            "; comment\n[authentication]\ncredentials = {}\n\n[connection]\nhostname = 10.0.0.5\nport: 9142\nssl = true\n\n[ssl]\ncertfile = ~/ca.pem\nvalidate = false\n",
            cred.display()
        );
        let rc = from_text(&text, Path::new("cqlshrc"));
        assert_eq!(rc.username.as_deref(), Some("fred"));
        assert_eq!(rc.password.as_deref(), Some("!!bang!!$"));
        assert_eq!(rc.hostname.as_deref(), Some("10.0.0.5"));
        assert_eq!(rc.port, Some(9142));
        assert_eq!(rc.ssl, Some(true));
        assert_eq!(rc.validate, Some(false));
        assert!(rc.certfile.unwrap().ends_with("ca.pem"));
        assert!(
            rc.warnings.iter().any(|w| w.contains("chmod 600")),
            "{:?}",
            rc.warnings
        );
        std::fs::set_permissions(&cred, std::fs::Permissions::from_mode(0o600)).unwrap();
        let rc = from_text(&text, Path::new("cqlshrc"));
        assert!(rc.warnings.is_empty(), "{:?}", rc.warnings);
    }

    #[test]
    fn bad_port_is_a_warning_not_a_failure() {
        let rc = from_text("[connection]\nport = ninety\n", Path::new("rc"));
        assert_eq!(rc.port, None);
        assert_eq!(rc.warnings.len(), 1);
    }
}
