//! Loads every sound a program names before it plays: sample folders on the search path
//! first, then the built-in kit. A name found nowhere is an error at the place it is
//! written, with the closest names that exist.

use crate::diagnostic::Diagnostic;
use crate::ir::Graph;
use crate::ir::sample_use::SoundName;
use crate::kit;
use crate::suggest::closest;
use phonon_runtime::samples::SampleLibrary;
use rayon::prelude::*;
use std::collections::HashMap;

pub fn load(
    graph: &mut Graph,
    library: &SampleLibrary,
    sample_rate: u32,
) -> Result<(), Vec<Diagnostic>> {
    if graph.banks.is_empty() {
        return Ok(());
    }
    let mut wanted: Vec<&SoundName> = Vec::new();
    for b in &graph.banks {
        for n in &b.names {
            if !wanted.iter().any(|w| w.name == n.name) {
                wanted.push(n);
            }
        }
    }
    let from_folders: Vec<_> = wanted
        .par_iter()
        .map(|n| library.load(&n.name, sample_rate))
        .collect();
    let mut table = HashMap::new();
    let mut errors = Vec::new();
    let mut for_kit = Vec::new();
    for (n, found) in wanted.iter().zip(from_folders) {
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
            None => for_kit.push(*n),
        }
    }
    let kit_names: Vec<&str> = for_kit.iter().map(|n| n.name.as_str()).collect();
    let from_kit =
        kit::sounds(&kit_names, sample_rate).map_err(|e| vec![Diagnostic::error(0..0, e)])?;
    let mut known: Option<Vec<String>> = None;
    for n in for_kit {
        if let Some(samples) = from_kit.get(&n.name) {
            table.insert(n.name.clone(), samples.clone());
            continue;
        }
        let names = known.get_or_insert_with(|| {
            let mut all = library.names();
            all.extend(kit::names().map(String::from));
            all.sort();
            all.dedup();
            all
        });
        let near = closest(&n.name, names.iter().map(String::as_str), 3);
        let dirs: Vec<String> = library
            .search_path()
            .dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        errors.push(
            Diagnostic::error(n.span.clone(), format!("unknown sound `{}`", n.name))
                .with_label("no sample folder or built-in sound has this name")
                .with_hint(format!(
                    "the closest sounds are {}; sample folders are searched in {}",
                    near.iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    dirs.join(", ")
                )),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for b in &mut graph.banks {
        b.sounds = b
            .names
            .iter()
            .filter_map(|n| table.get(&n.name).map(|s| (n.name.clone(), s.clone())))
            .collect();
    }
    Ok(())
}
