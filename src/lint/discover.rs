//! Which files to lint and how they group into config units (one per node's conf dir).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    CassandraYaml,
    JvmOptions,
    EnvSh,
}

/// Files that configure one node: at most one cassandra.yaml, plus JVM files.
#[derive(Debug, Clone)]
pub struct Unit {
    pub id: String,
    pub files: Vec<(PathBuf, FileKind)>,
}

pub fn classify(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        Some(FileKind::CassandraYaml)
    } else if name.ends_with(".options") {
        Some(FileKind::JvmOptions)
    } else if name.ends_with(".sh") && name.contains("env") {
        Some(FileKind::EnvSh)
    } else {
        None
    }
}

/// Expands the paths into units. A directory contributes its config files (not recursing);
/// a file named explicitly is linted whatever its name says, as cassandra.yaml unless its
/// name marks it as JVM options or an env script.
pub fn units(paths: &[PathBuf], errors: &mut Vec<String>) -> anyhow::Result<Vec<Unit>> {
    let mut by_dir: BTreeMap<PathBuf, Vec<(PathBuf, FileKind)>> = BTreeMap::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            let rd = std::fs::read_dir(p)
                .map_err(|e| anyhow::anyhow!("{}: cannot read directory: {e}", p.display()))?;
            for entry in rd.flatten() {
                let path = entry.path();
                if path.is_file()
                    && let Some(kind) = classify(&path)
                {
                    found.push((path, kind));
                }
            }
            if found.is_empty() {
                anyhow::bail!(
                    "{}: no Cassandra config files here (expected cassandra.yaml, jvm*.options or cassandra-env.sh)",
                    p.display()
                );
            }
            by_dir.entry(p.clone()).or_default().extend(found);
        } else if p.exists() {
            let kind = classify(p).unwrap_or(FileKind::CassandraYaml);
            let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            by_dir.entry(dir).or_default().push((p.clone(), kind));
        } else {
            errors.push(format!("{}: no such file or directory", p.display()));
        }
    }
    let mut out = Vec::new();
    for (dir, mut files) in by_dir {
        files.sort();
        files.dedup();
        let yamls: Vec<_> = files
            .iter()
            .filter(|(_, k)| *k == FileKind::CassandraYaml)
            .cloned()
            .collect();
        let others: Vec<_> = files
            .iter()
            .filter(|(_, k)| *k != FileKind::CassandraYaml)
            .cloned()
            .collect();
        let main = yamls
            .iter()
            .position(|(p, _)| p.file_name().is_some_and(|n| n == "cassandra.yaml"))
            .or((yamls.len() == 1).then_some(0));
        match main {
            Some(i) => {
                let id = if yamls.len() == 1 {
                    dir.display().to_string()
                } else {
                    yamls[i].0.display().to_string()
                };
                let mut unit = vec![yamls[i].clone()];
                unit.extend(others.iter().cloned());
                out.push(Unit {
                    id: display_id(&id),
                    files: unit,
                });
                for (j, y) in yamls.iter().enumerate().filter(|(j, _)| *j != i) {
                    let _ = j;
                    out.push(Unit {
                        id: y.0.display().to_string(),
                        files: vec![y.clone()],
                    });
                }
            }
            None if yamls.is_empty() => out.push(Unit {
                id: display_id(&dir.display().to_string()),
                files: others,
            }),
            None => {
                // Several unrelated configs in one folder: each file stands alone.
                for f in files {
                    out.push(Unit {
                        id: f.0.display().to_string(),
                        files: vec![f],
                    });
                }
            }
        }
    }
    Ok(out)
}

fn display_id(id: &str) -> String {
    if id.is_empty() {
        ".".into()
    } else {
        id.to_string()
    }
}
