//! `phonon live --midi-in PORT`: a MIDI input whose controllers, notes and clock the
//! patterns `cc` and `notein` and `--midi-clock` read ([`phonon_runtime::midi_in`]). A system
//! port through midir (its callback reads each message), or a JACK port as `jack:CLIENT:PORT`
//! (JACK's process callback reads them, timed by their frames).

use super::ports::{Process, start_jack};
use phonon_runtime::midi_in::Reader;
use std::any::Any;

/// An open input: reads until dropped.
pub type Input = Box<dyn Any + Send>;

/// Opens the input `name` (`jack:CLIENT:PORT` is a JACK MIDI output to listen to; anything
/// else the first system input port whose name contains it, case ignored), its clock read
/// as `beats` beats a cycle.
pub fn open(name: &str, beats: f64) -> Result<Input, String> {
    if let Some(source) = name.strip_prefix("jack:") {
        return open_jack(source, beats);
    }
    let input = midir::MidiInput::new("phonon-in").map_err(|e| {
        format!("cannot open the MIDI input `{name}`: {e} (the ALSA sequencer needs /dev/snd/seq; a JACK port is named jack:CLIENT:PORT)")
    })?;
    let port = super::ports::find(&input, name, "input")?;
    let conn = input
        .connect(
            &port,
            "phonon-in",
            |micros, bytes, reader: &mut Reader| reader.message(micros as f64 / 1e6, bytes),
            Reader::new(beats),
        )
        .map_err(|e| format!("cannot connect to the MIDI input `{name}`: {e}"))?;
    Ok(Box::new(conn))
}

fn open_jack(source: &str, beats: f64) -> Result<Input, String> {
    let make = move |port: jack::Port<jack::MidiIn>, client: &jack::Client| -> Process {
        let rate = client.sample_rate() as f64;
        let mut reader = Reader::new(beats);
        Box::new(move |_, ps| {
            let start = ps.last_frame_time() as f64;
            for m in port.iter(ps) {
                reader.message((start + m.time as f64) / rate, m.bytes);
            }
            jack::Control::Continue
        })
    };
    let what = format!("jack:{source}");
    let (active, own) = start_jack("phonon-in", "midi_in", jack::MidiIn::default(), &what, make)?;
    active
        .as_client()
        .connect_ports_by_name(source, &own)
        .map_err(|e| format!("cannot connect the JACK MIDI port `{source}`: {e}"))?;
    Ok(Box::new(active))
}
