//! Loads the sounds a compiled program needs: sample folders on the search path first (in
//! parallel), then the built-in kit for the names they lack. The compiler already checked
//! every name against the catalogue, so what can fail here is reading a folder's files.

use crate::kit;
use phonon_compiler::catalogue::{Catalogue, SoundName};
use phonon_compiler::diagnostic::Diagnostic;
use phonon_runtime::engine::voices::SoundTable;
use phonon_runtime::samples::SampleLibrary;
use rayon::prelude::*;

/// Every sound name the library's folders and the kit offer, and where folders are looked
/// for. Reads the search directories (not the files in them).
pub fn catalogue(library: &SampleLibrary) -> Catalogue {
    let mut names = library.names();
    names.extend(kit::names().map(String::from));
    let searched = library
        .search_path()
        .dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    Catalogue::new(names, searched)
}

/// The variants of the sound `name` at `sample_rate`: its folder's files if a folder has
/// that name, else the kit's; `None` when neither has it.
pub fn variants(
    name: &str,
    library: &SampleLibrary,
    sample_rate: u32,
) -> Option<Result<Vec<std::sync::Arc<phonon_runtime::samples::Sample>>, String>> {
    if let Some(found) = library.load(name, sample_rate) {
        return Some(found);
    }
    kit::lookup(name)?;
    Some(kit::sounds(&[name], sample_rate).map(|mut m| m.remove(name).unwrap_or_default()))
}

/// The variants of each needed sound at `sample_rate`: the folder of that name if there is
/// one, else the kit's sound. A folder that cannot be read is an error where the name is
/// written.
pub fn load(
    needs: &[SoundName],
    library: &SampleLibrary,
    sample_rate: u32,
) -> Result<SoundTable, Vec<Diagnostic>> {
    let from_folders: Vec<_> = needs
        .par_iter()
        .map(|n| library.load(&n.name, sample_rate))
        .collect();
    let mut table = SoundTable::new();
    let mut errors = Vec::new();
    let mut for_kit = Vec::new();
    for (n, found) in needs.iter().zip(from_folders) {
        match found {
            Some(Ok(samples)) => {
                table.insert(n.name.clone(), samples);
            }
            Some(Err(e)) => errors.push(
                Diagnostic::error(
                    n.span.clone(),
                    format!("cannot load the sound `{}`", n.name),
                )
                .with_label("its sample folder cannot be loaded")
                .with_hint(e),
            ),
            None => for_kit.push(n),
        }
    }
    let kit_names: Vec<&str> = for_kit.iter().map(|n| n.name.as_str()).collect();
    let from_kit =
        kit::sounds(&kit_names, sample_rate).map_err(|e| vec![Diagnostic::error(0..0, e)])?;
    for n in for_kit {
        match from_kit.get(&n.name) {
            Some(samples) => {
                table.insert(n.name.clone(), samples.clone());
            }
            // The catalogue had it, but its folder is gone or empty now.
            None => errors.push(
                Diagnostic::error(
                    n.span.clone(),
                    format!("cannot load the sound `{}`", n.name),
                )
                .with_label("its sample folder holds no audio files now")
                .with_hint("a folder of this name was there when the program was compiled"),
            ),
        }
    }
    if errors.is_empty() {
        Ok(table)
    } else {
        Err(errors)
    }
}
