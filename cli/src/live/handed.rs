//! The events the players hand on (`--osc-out`, `--midi-out`): each version of the program
//! gives a list of rings, one per player, through a channel; a sender thread empties them
//! all until no version can come any more and every ring is empty and abandoned (its
//! program dropped).

use phonon_runtime::engine::voices::SentEvent;
use std::sync::mpsc::{Receiver, TryRecvError};

pub type Rings = Vec<rtrb::Consumer<SentEvent>>;

pub struct Handed {
    lists: Receiver<Rings>,
    open: Rings,
    more: bool,
}

impl Handed {
    pub fn new(lists: Receiver<Rings>) -> Handed {
        Handed {
            lists,
            open: Vec::new(),
            more: true,
        }
    }

    /// Takes the rings that came, and every event in them, in turn; returns false once
    /// nothing more can come.
    pub fn drain(&mut self, mut each: impl FnMut(SentEvent)) -> bool {
        loop {
            match self.lists.try_recv() {
                Ok(list) => self.open.extend(list),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.more = false;
                    break;
                }
            }
        }
        for ring in &mut self.open {
            while let Ok(e) = ring.pop() {
                each(e);
            }
        }
        self.open.retain(|r| !(r.is_abandoned() && r.is_empty()));
        self.more || !self.open.is_empty()
    }
}
