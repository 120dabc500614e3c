//! The JVM a node runs with: options from the jvm options files and cassandra-env.sh,
//! merged the way the launcher merges them (later options win).

use serde::Serialize;

use crate::model::config::SourceFile;
use crate::parse::env_sh::{self, EnvSh};
use crate::parse::jvm::{self, JvmOption, OptionKind, SizeFlag};

/// Where one option came from.
#[derive(Debug, Clone, Serialize)]
pub struct Located {
    #[serde(flatten)]
    pub option: OptionText,
    pub file: String,
    pub line: usize,
    /// Set by cassandra-env.sh inside a function/if/case: may not run.
    pub conditional: bool,
    /// The JDK major version this option is passed to (from the file name, e.g. jvm17-server.options).
    pub jdk: u32,
    /// False for a JDK-specific file of another JDK than the one the node runs
    /// (a conf dir ships jvm11- and jvm17-server.options; only one is used).
    pub active: bool,
    #[serde(skip)]
    pub parsed: JvmOption,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionText {
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Gc {
    G1,
    Cms,
    Parallel,
    Serial,
    Zgc,
    Shenandoah,
}

impl Gc {
    pub fn name(self) -> &'static str {
        match self {
            Gc::G1 => "G1",
            Gc::Cms => "CMS",
            Gc::Parallel => "Parallel",
            Gc::Serial => "Serial",
            Gc::Zgc => "ZGC",
            Gc::Shenandoah => "Shenandoah",
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct JvmConfig {
    pub files: Vec<SourceFile>,
    /// Every option in launch order (options files first, then cassandra-env.sh).
    pub options: Vec<Located>,
    /// Literal heap settings from cassandra-env.sh (which turns them into -Xms/-Xmx/-Xmn
    /// only when the options files do not set the heap).
    pub env_max_heap: Option<(u128, String, usize, bool)>,
    pub env_new_size: Option<(u128, String, usize, bool)>,
    #[serde(skip)]
    pub env: Option<(String, EnvSh)>,
}

impl JvmConfig {
    pub fn add_options_file(&mut self, file: SourceFile, jdk: u32, active: bool) {
        for o in jvm::parse_options_file(&file.text) {
            self.options.push(Located {
                option: OptionText {
                    text: o.text.clone(),
                },
                file: file.path.clone(),
                line: o.line,
                conditional: false,
                jdk,
                active,
                parsed: o,
            });
        }
        self.files.push(file);
    }

    pub fn add_env_sh(&mut self, file: SourceFile, jdk: u32) {
        let env = env_sh::parse(&file.text);
        for (o, conditional) in &env.jvm_opts {
            self.options.push(Located {
                option: OptionText {
                    text: o.text.clone(),
                },
                file: file.path.clone(),
                line: o.line,
                conditional: *conditional,
                jdk,
                active: true,
                parsed: o.clone(),
            });
        }
        let read = |list: &[env_sh::Assignment]| {
            EnvSh::effective(list).and_then(|a| {
                crate::model::units::parse_jvm_size(&a.value)
                    .map(|b| (b, a.value.clone(), a.line, a.conditional))
            })
        };
        self.env_max_heap = read(&env.max_heap_size);
        self.env_new_size = read(&env.heap_newsize);
        self.env = Some((file.path.clone(), env));
        self.files.push(file);
    }

    /// The options the running JVM gets, in launch order.
    pub fn active(&self) -> impl DoubleEndedIterator<Item = &Located> {
        self.options.iter().filter(|o| o.active)
    }

    /// The last option of a size flag (the JVM keeps the last one).
    pub fn size(&self, flag: SizeFlag) -> Option<(&Located, Option<u128>)> {
        self.active().rev().find_map(|o| match o.parsed.kind {
            OptionKind::Size { flag: f, bytes } if f == flag => Some((o, bytes)),
            _ => None,
        })
    }

    /// Max heap in bytes: -Xmx, else cassandra-env.sh's MAX_HEAP_SIZE.
    pub fn max_heap(&self) -> Option<u128> {
        match self.size(SizeFlag::Xmx) {
            Some((_, b)) => b,
            None => self.env_max_heap.as_ref().map(|h| h.0),
        }
    }

    /// The last `-XX:+Name`/`-XX:-Name` for `name`.
    pub fn bool_flag(&self, name: &str) -> Option<(&Located, bool)> {
        self.active().rev().find_map(|o| match &o.parsed.kind {
            OptionKind::BoolFlag { name: n, on } if n == name => Some((o, *on)),
            _ => None,
        })
    }

    pub fn value_flag(&self, name: &str) -> Option<(&Located, &str)> {
        self.active().rev().find_map(|o| match &o.parsed.kind {
            OptionKind::ValueFlag { name: n, value } if n == name => Some((o, value.as_str())),
            _ => None,
        })
    }

    /// The collector selected by the options, and the option that selects it.
    pub fn gc(&self) -> Option<(Gc, &Located)> {
        self.active().rev().find_map(|o| match &o.parsed.kind {
            OptionKind::BoolFlag { name, on: true } => {
                let gc = match name.as_str() {
                    "UseG1GC" => Gc::G1,
                    "UseConcMarkSweepGC" => Gc::Cms,
                    "UseParallelGC" | "UseParallelOldGC" => Gc::Parallel,
                    "UseSerialGC" => Gc::Serial,
                    "UseZGC" => Gc::Zgc,
                    "UseShenandoahGC" => Gc::Shenandoah,
                    _ => return None,
                };
                Some((gc, o))
            }
            _ => None,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
