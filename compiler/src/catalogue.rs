//! The sounds a program may name. The compiler checks the names a program's sample patterns
//! spell against a catalogue and says which sounds the program needs; it never loads one.
//! Finding, decoding and resampling sample files is the caller's job (`phonon-sounds`), and
//! so is attaching the loaded sounds to the compiled program (`Compiled::attach_sounds`).

use crate::diagnostic::Diagnostic;
use crate::ir::Graph;
use crate::suggest::closest;
use phonon_runtime::engine::synths::{self, SynthKind};
use std::collections::BTreeSet;

pub use crate::ir::sample_use::SoundName;

/// The names of the sounds that exist (sample folders and built-in sounds), and where they
/// were looked for, for the message about a name that is not among them.
/// The sound of events played on a MIDI port (Tidal's `s "midi"`).
pub const MIDI: &str = "midi";

#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    names: BTreeSet<String>,
    searched: Vec<String>,
}

impl Catalogue {
    /// `searched`: the folders sample folders are looked for in (named in the hint of an
    /// unknown sound).
    pub fn new(names: impl IntoIterator<Item = String>, searched: Vec<String>) -> Catalogue {
        Catalogue {
            names: names.into_iter().collect(),
            searched,
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// The sounds the graph's sample players play, each once (where it is first written),
    /// or an error at every name the catalogue lacks, with the closest names it has. `midi`
    /// is the MIDI port's, when the program plays to one (`midi`), and an error otherwise.
    pub(crate) fn needs(
        &self,
        graph: &Graph,
        midi: bool,
    ) -> Result<Vec<SoundName>, Vec<Diagnostic>> {
        let mut needs: Vec<SoundName> = Vec::new();
        let mut errors = Vec::new();
        for n in graph.banks.iter().flat_map(|b| &b.names) {
            if needs.iter().any(|w| w.name == n.name) {
                continue;
            }
            if n.name == MIDI && !self.contains(MIDI) {
                if !midi {
                    errors.push(
                        Diagnostic::error(n.span.clone(), "`midi` plays on a MIDI port")
                            .with_label("no MIDI port to play on")
                            .with_hint(
                                "play the file with `phonon live FILE --midi-out PORT` (`phonon live --list-midi` lists the ports); a render has no MIDI port",
                            ),
                    );
                }
                continue;
            }
            if !self.contains(&n.name) {
                // A synth by name needs nothing loaded (a sample folder of its name would
                // come first).
                if SynthKind::from_name(&n.name).is_some() {
                    continue;
                }
                errors.push(self.unknown(n));
            }
            needs.push(n.clone());
        }
        if errors.is_empty() {
            Ok(needs)
        } else {
            Err(errors)
        }
    }

    fn unknown(&self, n: &SoundName) -> Diagnostic {
        let e = Diagnostic::error(n.span.clone(), format!("unknown sound `{}`", n.name))
            .with_label("no sample folder, built-in sound or synth has this name");
        let quote = |names: Vec<&str>| {
            names
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // A synth is suggested when the name is close to it (a misspelt `superpiano`), the
        // samples always.
        let synth = crate::suggest::did_you_mean(&n.name, synths::NAMES.iter().copied())
            .map(|s| format!("; the synth `{s}` is close"))
            .unwrap_or_default();
        if self.names.is_empty() {
            let near = quote(closest(&n.name, synths::NAMES.iter().copied(), 3));
            return e.with_hint(format!(
                "this compile was given no samples to play; the closest synths are {near}"
            ));
        }
        let near = quote(closest(&n.name, self.names(), 3));
        let hint = if self.searched.is_empty() {
            format!("the closest sounds are {near}{synth}")
        } else {
            format!(
                "the closest sounds are {near}{synth}; sample folders are searched in {}",
                self.searched.join(", ")
            )
        };
        e.with_hint(hint)
    }
}
